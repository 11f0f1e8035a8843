/**
 * The official Python SDK (databricks-zerobus-ingest-sdk, sync and asyncio APIs) through every
 * compatibility scenario, and the Databricks SDK for Python reading a table's metadata from Tributary's
 * Unity Catalog API as a service principal (OAuth M2M), as `WorkspaceClient().tables.get` does.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ensureVenv } from '../../helpers/python.js';
import { REPO_ROOT } from '../../helpers/server-process.js';
import { FAST_DRIVERS } from '../harness/drivers.js';
import { COMPAT_COLUMNS } from '../harness/records.js';
import { startCompatServer, type CompatServer } from '../harness/server.js';
import { describeOfficialSdk } from './official-sdk-cases.js';

const run = promisify(execFile);

describeOfficialSdk(FAST_DRIVERS.find((d) => d.name === 'python-sync')!);
describeOfficialSdk(FAST_DRIVERS.find((d) => d.name === 'python-asyncio')!);

describe('databricks-sdk WorkspaceClient().tables.get against Tributary', () => {
  const table = 'main.uc_rest.sensors';
  let server: CompatServer;

  before(async () => {
    server = await startCompatServer('uc_rest', [table]);
  });

  after(async () => {
    await server.dispose();
  });

  test('a service principal reads the table: names, types, nullability, positions, location', async () => {
    const { python } = await ensureVenv(['compat']);
    const { stdout } = await run(python, [path.join(REPO_ROOT, 'test/compat/sdks/python/uc_table.py')], {
      env: {
        ...process.env,
        UC_ENDPOINT: server.ucEndpoint,
        CLIENT_ID: server.clientId,
        CLIENT_SECRET: server.clientSecret,
        TABLE_NAME: table,
      },
    });
    const info = JSON.parse(stdout) as {
      full_name: string;
      catalog_name: string;
      schema_name: string;
      name: string;
      table_type: string;
      data_source_format: string;
      storage_location: string;
      columns: [string, string, string, boolean, number][];
    };
    assert.deepEqual(
      [info.full_name, info.catalog_name, info.schema_name, info.name, info.table_type, info.data_source_format],
      [table, 'main', 'uc_rest', 'sensors', 'MANAGED', 'DELTA'],
    );
    assert.match(info.storage_location, /^file:\/\/.*\/sensors$/);
    assert.deepEqual(
      info.columns.map(([name, typeText, , nullable, position]) => [name, typeText, nullable, position]),
      COMPAT_COLUMNS.map(([name, type], i) => [name, type, name !== 'id', i]),
    );
    assert.deepEqual(
      info.columns.map((c) => c[2]),
      ['LONG', 'STRING', 'BOOLEAN', 'SHORT', 'INT', 'DOUBLE', 'FLOAT', 'DECIMAL', 'DATE', 'TIMESTAMP', 'TIMESTAMP_NTZ', 'BINARY', 'ARRAY', 'MAP', 'STRUCT'],
    );
  });
});

/**
 * `tributary ingest` as a user runs it (a child process) against a real Tributary server: JSON Lines, CSV,
 * stdin and protobuf input land in the table; a bad record stops the run naming its line, whether the local
 * check or the server finds it; the rows before it are acknowledged and land.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TableInfo } from '../../src/catalog/model.js';
import { runGenerateProto } from '../../src/cli/generate-proto.js';
import { deltaRows, type Row } from '../helpers/delta-rows.js';
import { runCli } from '../helpers/run-cli.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const COLUMNS = 'device_name STRING NOT NULL, temp INT, humidity BIGINT, at TIMESTAMP, tags ARRAY<STRING>, note STRING';

describe('tributary ingest against a real server', () => {
  let t: TestServer;
  let dir: string;
  let env: Record<string, string>;
  const tables: string[] = [];

  /** A fresh table with COLUMNS that the test principal may write. */
  async function table(name: string): Promise<string> {
    const full = `main.default.${name}`;
    await t.sql(`CREATE TABLE ${full} (${COLUMNS})`);
    await t.sql(`GRANT SELECT, MODIFY ON TABLE ${full} TO \`producer\``);
    tables.push(name);
    return full;
  }

  async function file(name: string, text: string): Promise<string> {
    const p = path.join(dir, name);
    await writeFile(p, text);
    return p;
  }

  before(async () => {
    t = await startTestServer();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-ingest-'));
    await t.sql('CREATE TABLE main.default.unused (x INT)');
    const creds = await t.producer('producer', 'main.default.unused');
    env = {
      TRIBUTARY_ZEROBUS_ENDPOINT: t.server.zerobusEndpoint,
      TRIBUTARY_UC_ENDPOINT: t.server.unityCatalogUrl,
      TRIBUTARY_CLIENT_ID: creds.clientId,
      TRIBUTARY_CLIENT_SECRET: creds.clientSecret,
    };
  });

  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a JSON Lines file in several batches: every row acknowledged, summary on stdout', async () => {
    const target = await table('jsonl_rows');
    const rows = Array.from({ length: 2500 }, (_, i) =>
      JSON.stringify({ device_name: `d${i}`, temp: i % 40, humidity: String(2n ** 53n + BigInt(i)), at: 1_700_000_000_000_000 + i, tags: [`t${i % 3}`] }),
    );
    // A blank line and a CRLF line on the way: both are ordinary in JSON Lines files.
    const input = await file('rows.jsonl', `${rows.slice(0, 10).join('\n')}\n\n${rows.slice(10).join('\r\n')}\n`);
    const result = await runCli(['ingest', input, '--table', target, '--batch-size', '1000'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Ingested 2,500 rows into ${target} in \\d+\\.\\d\\d s \\([\\d,]+ rows/s\\)\\n$`));
    assert.equal(result.stderr, '', 'no progress bar when stderr is not a terminal');
  });

  test('a CSV file: quoted commas and line breaks, ISO timestamps, empty cells as NULL', async () => {
    const target = await table('csv_rows');
    const input = await file(
      'rows.csv',
      [
        'device_name,temp,humidity,at,tags,note',
        'a,1,10,2024-01-01T00:00:00.000001Z,"[""x"",""y""]","hello, world"',
        'b,,,1704067200000000,,"two',
        'lines"',
        'c,3,9007199254740993,2024-01-01T01:00:00+01:00,[],""',
      ].join('\r\n'),
    );
    const result = await runCli(['ingest', input, '--table', target], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Ingested 3 rows into main\.default\.csv_rows/);
  });

  test('stdin with -', async () => {
    const target = await table('stdin_rows');
    const result = await runCli(['ingest', '-', '--table', target], {
      env,
      stdin: '{"device_name":"s1","temp":1}\n{"device_name":"s2","temp":2}\n',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Ingested 2 rows into main\.default\.stdin_rows/);
  });

  test('protobuf records encoded with the generated .proto', async () => {
    const target = await table('proto_rows');
    const protoFile = path.join(dir, 'proto_rows.proto');
    await runGenerateProto({
      ucEndpoint: env.TRIBUTARY_UC_ENDPOINT!,
      clientId: env.TRIBUTARY_CLIENT_ID!,
      clientSecret: env.TRIBUTARY_CLIENT_SECRET!,
      table: target,
      output: protoFile,
    });
    const input = await file(
      'proto.jsonl',
      Array.from({ length: 1200 }, (_, i) => JSON.stringify({ device_name: `p${i}`, humidity: '9223372036854775807', tags: ['a'] })).join('\n'),
    );
    const result = await runCli(['ingest', input, '--table', target, '--format', 'proto', '--proto', protoFile], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Ingested 1,200 rows into main\.default\.proto_rows/);
  });

  test('a bad JSON line stops the run naming the line; the rows before it land', async () => {
    const target = await table('bad_json');
    const input = await file(
      'bad.jsonl',
      '{"device_name":"ok1","temp":1}\n\n{"device_name":"ok2","temp":2}\n{"device_name":"bad","temp":"hot"}\n{"device_name":"never","temp":4}\n',
    );
    const result = await runCli(['ingest', input, '--table', target], { env });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `tributary ingest: ${input} line 4: field temp: expected INT (an integer from -2147483648 to 2147483647), got the string "hot"\n` +
        '2 rows were acknowledged before the error.\n',
    );
    assert.equal(result.stdout, '');
  });

  test('without the local check, the server refuses the record and its offset is mapped back to the line', async () => {
    const target = await table('bad_server');
    const lines = Array.from({ length: 9 }, (_, i) => JSON.stringify({ device_name: `r${i}`, temp: i }));
    // Line 8 is the 2nd record of the 4th batch of 2 (offset 3, index 1).
    lines[7] = '{"device_name":"bad","temp":99999999999}';
    const input = await file('bad-server.jsonl', `${lines.join('\n')}\n`);
    const result = await runCli(['ingest', input, '--table', target, '--batch-size', '2', '--no-validate'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^tributary ingest: ${input.replace(/[.\\/]/g, '\\$&')} line 8: field temp: expected INT .* \\(refused by the server\\)\\n`));
    assert.match(result.stderr, /\n6 rows were acknowledged before the error\.\n$/);
  });

  test('a bad CSV cell is named by line and column', async () => {
    const target = await table('bad_csv');
    const input = await file('bad.csv', 'device_name,temp\na,1\n"multi\nline",2\nc,warm\n');
    const result = await runCli(['ingest', input, '--table', target], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /line 5: column temp: expected an integer for INT, got "warm"\n2 rows were acknowledged/);
  });

  test('usage problems exit with 2 and say what to pass', async () => {
    const unknown = await runCli(['ingest', path.join(dir, 'data.txt'), '--table', 'main.default.x'], { env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /cannot tell the format of .*data\.txt from its name: pass --format json, csv or proto/);
    const noEndpoint = await runCli(['ingest', '-', '--table', 'main.default.x'], { env: { ...env, TRIBUTARY_ZEROBUS_ENDPOINT: '' } });
    assert.equal(noEndpoint.code, 2);
    assert.match(noEndpoint.stderr, /missing --zerobus-endpoint \(or set TRIBUTARY_ZEROBUS_ENDPOINT or ZEROBUS_ENDPOINT\)/);
  });

  test('an unknown table is named with the catalog error', async () => {
    const input = await file('one.jsonl', '{"device_name":"x"}\n');
    const result = await runCli(['ingest', input, '--table', 'main.default.nope'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Reading table main\.default\.nope failed: HTTP 404 TABLE_DOES_NOT_EXIST/);
  });

  test('after shutdown, the tables hold exactly the acknowledged rows with their values', async () => {
    const infos = new Map<string, TableInfo>();
    for (const name of tables) infos.set(name, await t.server.catalog.getTable({ catalog: 'main', schema: 'default', table: name }));
    await t.server.close();
    const rowsOf = async (name: string): Promise<Row[]> => deltaRows(infos.get(name)!);
    const byName = (rows: Row[]): Map<string, Row> => new Map(rows.map((r) => [String(r.device_name), r]));

    const jsonl = byName(await rowsOf('jsonl_rows'));
    assert.equal(jsonl.size, 2500);
    assert.equal(jsonl.get('d2499')!.humidity, 2n ** 53n + 2499n);

    const csv = byName(await rowsOf('csv_rows'));
    assert.deepEqual([...csv.keys()].sort(), ['a', 'b', 'c']);
    assert.equal(csv.get('a')!.note, 'hello, world');
    assert.equal(csv.get('b')!.note, 'two\r\nlines');
    assert.equal(csv.get('b')!.temp, null);
    assert.equal(csv.get('c')!.note, '');
    assert.equal(csv.get('c')!.humidity, 9007199254740993n);

    assert.equal((await rowsOf('stdin_rows')).length, 2);
    const proto = await rowsOf('proto_rows');
    assert.equal(proto.length, 1200);
    assert.equal(proto[0]!.humidity, 9223372036854775807n);

    assert.deepEqual((await rowsOf('bad_json')).map((r) => r.device_name).sort(), ['ok1', 'ok2']);
    assert.equal((await rowsOf('bad_server')).length, 6);
    assert.equal((await rowsOf('bad_csv')).length, 2);
  });
});

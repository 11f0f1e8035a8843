/**
 * One compatibility scenario through the official Zerobus TypeScript SDK (its shipped native binary), written
 * the way its README does it: createStream with the record type (and, for Protobuf, the base64 descriptor
 * of the message protobufjs loaded from the `.proto`), the offset API, waitForOffset, flush, close.
 * Settings come from the environment the suite sets (see test/compat/harness/scenario-env.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import protobuf from 'protobufjs';
import { loadOfficialSdk, type OfficialStream } from '../../../helpers/official-sdk.js';
import { tableToken } from '../../../helpers/oauth-token.js';
import { descriptorBase64 } from '../../../helpers/proto.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const proto = env('COMPAT_FORMAT') === 'proto';
const restart = process.env.COMPAT_RESTART === '1';
const { ZerobusSdk, RecordType } = loadOfficialSdk();

async function main(): Promise<void> {
  // keepCase: protobufjs would otherwise rename local_at to localAt, and the descriptor would name no column.
  const message = proto
    ? (await new protobuf.Root().load(path.join(env('COMPAT_PROTO_DIR'), env('COMPAT_PROTO_FILE')), { keepCase: true })).lookupType(
        env('COMPAT_PROTO_MESSAGE'),
      )
    : undefined;
  const records = (await readFile(env('COMPAT_RECORDS'), 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [bytes = '', json = ''] = line.split('\t');
      return message ? message.decode(Buffer.from(bytes, 'base64')) : (JSON.parse(json) as unknown);
    });

  const sdk = new ZerobusSdk(env('ZEROBUS_ENDPOINT'), env('UC_ENDPOINT'));
  const tableName = env('TABLE_NAME');
  const credentials = { clientId: env('CLIENT_ID'), clientSecret: env('CLIENT_SECRET') };
  // Across the server's kill -9 this client gets fixed headers instead of fetching a token per attempt. Its
  // Rust core (crate 1.0.x) counts a token request reset mid-connect as fatal and stops recovering, and
  // the dying server's sockets close one by one: a recovery attempt could connect to the token port just
  // before its listener closed. That failed about a third of the full test runs; the other SDKs' restart
  // scenarios still fetch tokens while recovering.
  const token = restart ? await tableToken(env('UC_ENDPOINT'), credentials, tableName) : undefined;
  const headersProvider =
    token === undefined
      ? undefined
      : {
          getHeadersCallback: (): [string, string][] => [
            ['authorization', `Bearer ${token}`],
            ['x-databricks-zerobus-table-name', tableName],
          ],
        };
  const stream: OfficialStream = await sdk.createStream(
    { tableName, ...(message ? { descriptorProto: descriptorBase64(message) } : {}) },
    credentials.clientId,
    credentials.clientSecret,
    {
      recordType: message ? RecordType.Proto : RecordType.Json,
      // Long enough to ride out a server restart.
      ...(restart ? { recoveryRetries: 30, recoveryBackoffMs: 1000 } : {}),
    },
    headersProvider,
  );
  const offsets: bigint[] = [];
  const singles = async (part: readonly unknown[]): Promise<void> => {
    const first = offsets.length;
    for (const record of part) offsets.push(await stream.ingestRecordOffset(record));
    await stream.waitForOffset(offsets[first + Math.floor((offsets.length - first) / 2)]!);
    await stream.flush();
  };
  try {
    if (env('COMPAT_MODE') === 'batch') {
      const size = Number(env('COMPAT_BATCH_SIZE'));
      for (let i = 0; i < records.length; i += size) {
        const offset = await stream.ingestRecordsOffset(records.slice(i, i + size));
        if (offset !== null) {
          await stream.waitForOffset(offset);
          offsets.push(offset);
        }
      }
      await stream.flush();
    } else if (restart) {
      const half = Math.floor(records.length / 2);
      await singles(records.slice(0, half));
      process.stdout.write('PAUSED\n');
      await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
      await singles(records.slice(half));
    } else {
      await singles(records);
    }
  } finally {
    await stream.close();
  }
  process.stdout.write(`RESULT ${JSON.stringify({ offsets: offsets.map(Number) })}\n`);
  process.exit(0);
}

await main();

/**
 * Record decoding throughput on one core: JSON and Protobuf records of the demo table
 * `air_quality (device_name STRING, temp INT, humidity BIGINT)` into row batches, then Arrow and IPC.
 * Prints rows per CPU-second of this process (best of three runs), so that other work on a shared
 * machine does not skew the figures; never asserts times.
 *
 *   node --import tsx bench/decode.ts [--rows 1000000] [--batch 10000] [--name-length 200]
 */
import { parseArgs } from 'node:util';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import type { Column } from '../src/catalog/types.js';
import { toArrowSchema } from '../src/delta/arrow-schema.js';
import { encodeIpc, toArrowRecordBatch } from '../src/ingest/arrow-batch.js';
import { compileJsonDecoder } from '../src/ingest/json-decoder.js';
import { compileProtoDecoder } from '../src/ingest/proto-decoder.js';
import { RowBatch } from '../src/ingest/row-batch.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '10000' },
    'name-length': { type: 'string', default: '200' },
  },
});
const totalRows = Number(values.rows);
const batchRows = Number(values.batch);
const nameLength = Number(values['name-length']);

const columns: Column[] = [
  { name: 'device_name', type: { kind: 'string' }, nullable: true, position: 0 },
  { name: 'temp', type: { kind: 'int' }, nullable: true, position: 1 },
  { name: 'humidity', type: { kind: 'long' }, nullable: true, position: 2 },
];
const schema = toArrowSchema(columns);

// The message the official generator emits for the table, encoded the way the official clients send it.
const root = protobuf.parse(
  `syntax = "proto2";
   message AirQuality { optional string device_name = 1; optional int32 temp = 2; optional int64 humidity = 3; }`,
  { keepCase: true },
).root;
const AirQuality = root.lookupType('AirQuality');
const descriptorBytes = descriptor.DescriptorProto.encode(
  (AirQuality as unknown as { toDescriptor(syntax: string): protobuf.Message }).toDescriptor('proto2'),
).finish();

const DISTINCT = 1024;
const records = Array.from({ length: DISTINCT }, (_, i) => ({
  device_name: `sensor-${String(i).padStart(6, '0')}-`.padEnd(nameLength, 'x'),
  temp: 15 + (i % 20),
  humidity: 40 + (i % 50),
}));
const jsonRecords = records.map((r) => JSON.stringify(r));
const protoRecords = records.map((r) => AirQuality.encode(AirQuality.fromObject(r)).finish());

const jsonDecoder = compileJsonDecoder(columns);
const protoDecoder = compileProtoDecoder(descriptorBytes, columns);

/** CPU seconds (user + system) this process has used. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Runs `fill` over the rows in batches of `batchRows`, then `finish` on each batch; returns the CPU
 * seconds of each stage, the best of three runs.
 */
function run(
  fill: (batch: RowBatch, first: number, count: number) => void,
  finish?: (batch: RowBatch) => void,
): { fill: number; finish: number } {
  let best = { fill: Infinity, finish: Infinity };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fillSeconds = 0;
    let finishSeconds = 0;
    for (let done = 0; done < totalRows; done += batchRows) {
      const count = Math.min(batchRows, totalRows - done);
      const batch = new RowBatch(columns);
      const t0 = cpuSeconds();
      fill(batch, done, count);
      const t1 = cpuSeconds();
      finish?.(batch);
      finishSeconds += cpuSeconds() - t1;
      fillSeconds += t1 - t0;
    }
    if (fillSeconds + finishSeconds < best.fill + best.finish) best = { fill: fillSeconds, finish: finishSeconds };
  }
  return best;
}

const fillJson = (batch: RowBatch, first: number, count: number): void => {
  for (let i = 0; i < count; i++) jsonDecoder.decode(jsonRecords[(first + i) % DISTINCT]!, batch, BigInt(first + i));
};
const fillProto = (batch: RowBatch, first: number, count: number): void => {
  for (let i = 0; i < count; i++) protoDecoder.decode(protoRecords[(first + i) % DISTINCT]!, batch, BigInt(first + i));
};
const toIpc = (batch: RowBatch): void => {
  encodeIpc(toArrowRecordBatch(batch, schema));
};

const measuredRows = totalRows;
const json = run(fillJson);
const proto = run(fillProto);
const protoArrow = run(fillProto, toIpc);

const rate = (seconds: number): string => `${Math.round(measuredRows / seconds).toLocaleString('en-US')}`;
const avg = (xs: { length: number }[]): number => xs.reduce((n, x) => n + x.length, 0) / xs.length;

console.log(
  `air_quality records: JSON ${avg(jsonRecords).toFixed(0)} B, Protobuf ${avg(protoRecords).toFixed(0)} B; ` +
    `${measuredRows.toLocaleString('en-US')} rows in batches of ${batchRows.toLocaleString('en-US')}`,
);
console.table([
  { stage: 'JSON decode → RowBatch', 'rows/s': rate(json.fill) },
  { stage: 'Protobuf decode → RowBatch', 'rows/s': rate(proto.fill) },
  { stage: 'RowBatch → Arrow → IPC', 'rows/s': rate(protoArrow.finish) },
  { stage: 'Protobuf decode + Arrow + IPC', 'rows/s': rate(protoArrow.fill + protoArrow.finish) },
]);
const sample = new RowBatch(columns);
fillProto(sample, 0, batchRows);
console.log(`IPC: ${(encodeIpc(toArrowRecordBatch(sample, schema)).byteLength / batchRows).toFixed(1)} B/row`);

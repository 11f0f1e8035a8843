/**
 * The demo table `air_quality (device_name STRING, temp INT, humidity BIGINT)` with records of a chosen
 * encoded size: the device name is padded with words until the record, in its format, is that large.
 */
import {
  defineTable,
  payloadBytes,
  randomText,
  seededRandom,
  type Payload,
  type RecordFormat,
  type Row,
  type TableWorkload,
} from './table-workload.js';

export const AIR_QUALITY: TableWorkload = defineTable('main.default.air_quality', [
  { name: 'device_name', type: 'STRING' },
  { name: 'temp', type: 'INT' },
  { name: 'humidity', type: 'BIGINT' },
]);

/**
 * `count` distinct air_quality records of about `recordBytes` each once encoded in `format`. Sizes below the
 * unpadded record (about 45 B) give unpadded records.
 */
export function airQualityRecords(count: number, format: RecordFormat, recordBytes: number): Payload[] {
  const random = seededRandom(recordBytes);
  return Array.from({ length: count }, (_, i) => {
    const row = (padding: string): Row => ({
      device_name: `sensor-${String(i).padStart(6, '0')}-${padding}`,
      temp: 15 + (i % 20),
      humidity: 40 + (i % 50),
    });
    const unpadded = payloadBytes(AIR_QUALITY.encode(row(''), format));
    const padding = randomText(random, Math.max(0, recordBytes - unpadded));
    const payload = AIR_QUALITY.encode(row(padding), format);
    // The Protobuf length prefix of the name grows with it: trim what it added.
    const over = payloadBytes(payload) - recordBytes;
    return over > 0 && padding.length >= over
      ? AIR_QUALITY.encode(row(padding.slice(0, padding.length - over)), format)
      : payload;
  });
}

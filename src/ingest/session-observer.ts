/**
 * Turns stream events into metrics and logs: streams open per table, rows and bytes acked, ack latency,
 * errors by gRPC status.
 */
import type { Logger } from 'pino';
import { GrpcCode, toGrpcStatus } from '../errors.js';
import type { Metrics } from '../server/metrics.js';
import type { SessionObserver } from './stream-session.js';

const CODE_NAMES = new Map<number, string>(Object.entries(GrpcCode).map(([name, code]) => [code, name]));

/** An observer recording into `metrics` and logging stream lifecycles at debug, failures at info. */
export function sessionObserver(metrics: Metrics, logger: Logger): SessionObserver {
  return {
    opened(session) {
      const table = session.table?.fullName ?? '';
      metrics.streamsOpen.inc({ table });
      logger.debug({ stream: session.id, table }, 'stream opened');
    },
    acked(session, rows, bytes, latencyMs) {
      const table = session.table?.fullName ?? '';
      metrics.ingestRows.inc({ table }, rows);
      metrics.ingestBytes.inc({ table }, bytes);
      metrics.ingestAcks.inc({ table });
      metrics.ackLatency.observe({ table }, latencyMs / 1000);
    },
    closed(session, error) {
      const table = session.table?.fullName ?? '';
      if (session.table) metrics.streamsOpen.dec({ table });
      if (!error) {
        logger.debug({ stream: session.id, table }, 'stream closed');
        return;
      }
      const status = toGrpcStatus(error);
      const code = CODE_NAMES.get(status.code) ?? String(status.code);
      metrics.ingestErrors.inc({ table, code });
      logger.info({ stream: session.id, table, code, ...error.context, offset: error.context.offset?.toString() }, status.details);
    },
  };
}

/**
 * Prometheus metrics for one server instance. Everything registers on a Registry owned by this object, never
 * prom-client's global one, so several servers (tests) can live in one process without name clashes.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Buckets for request and ack latency, in seconds: 0.5 ms to 10 s. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /** Also export process metrics (CPU, memory, event-loop lag); off in tests to keep output small. */
  readonly processMetrics?: boolean;
}

/** The server's metrics. Labels are bounded: `route` is a route pattern, `table` a catalog table name. */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'tributary_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'tributary_http_request_duration_seconds',
    help: 'Time from request start to response end',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly tokensIssued = new Counter({
    name: 'tributary_oauth_tokens_issued_total',
    help: 'Access tokens issued by /oidc/v1/token',
    registers: [this.registry],
  });
  readonly tokensRefused = new Counter({
    name: 'tributary_oauth_token_requests_refused_total',
    help: 'Token requests refused, by OAuth error',
    labelNames: ['error'] as const,
    registers: [this.registry],
  });

  readonly ingestRows = new Counter({
    name: 'tributary_ingest_rows_total',
    help: 'Rows accepted from producers and made durable',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly ingestBytes = new Counter({
    name: 'tributary_ingest_bytes_total',
    help: 'Record payload bytes received from producers',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly ingestAcks = new Counter({
    name: 'tributary_ingest_acks_total',
    help: 'Durability acknowledgements sent to producers',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly ackLatency = new Histogram({
    name: 'tributary_ingest_ack_latency_seconds',
    help: 'Time from receiving a record to acknowledging it as durable',
    labelNames: ['table'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly ingestErrors = new Counter({
    name: 'tributary_ingest_errors_total',
    help: 'Ingest errors returned to producers, by table and gRPC status name',
    labelNames: ['table', 'code'] as const,
    registers: [this.registry],
  });
  readonly walDepthBytes = new Gauge({
    name: 'tributary_wal_depth_bytes',
    help: 'Bytes in the write-ahead log not yet materialized into Delta',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly streamsOpen = new Gauge({
    name: 'tributary_streams_open',
    help: 'Ingest streams currently open',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });

  constructor(options: MetricsOptions = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'tributary_' });
  }

  /** The Content-Type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

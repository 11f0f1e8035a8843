/**
 * Endpoints for operators: liveness for load balancers and orchestrators, metrics for Prometheus.
 * Neither needs a token: they reveal no catalog data.
 */
import type { Metrics } from '../metrics.js';
import type { Route } from './router.js';

export function operationsRoutes(deps: { readonly metrics: Metrics }): Route[] {
  return [
    { method: 'GET', pattern: '/healthz', handle: async () => ({ status: 200, json: { status: 'ok' } }) },
    {
      method: 'GET',
      pattern: '/metrics',
      handle: async () => ({ status: 200, text: await deps.metrics.text(), contentType: deps.metrics.contentType }),
    },
  ];
}

// Prometheus metrics of one process. Under `npm start` the API and the worker run in one
// process and share this registry, so /metrics shows HTTP traffic and lifecycle work together.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const metricsRegistry = new Registry();
// The standard process_* and nodejs_* series, unprefixed so stock Node.js dashboards work.
collectDefaultMetrics({ register: metricsRegistry });

/** Latency of every HTTP answer; its `_count` series is the request count by method, route and status. */
export const httpRequestDuration = new Histogram({
  name: 'tenure_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route template and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** One per lifecycle transition committed by a workflow (not per retry of its write). */
export const lifecycleTransitions = new Counter({
  name: 'tenure_lifecycle_transitions_total',
  help: 'Lifecycle transitions recorded, by subject type and audit action (e.g. license.grace_started)',
  labelNames: ['subject', 'action'] as const,
  registers: [metricsRegistry],
});

/** One per e-mail notice accepted by the mail server, by notice kind (expiring, suspended …). */
export const noticesSent = new Counter({
  name: 'tenure_notices_sent_total',
  help: 'E-mail notices delivered to the mail server, by notice kind',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

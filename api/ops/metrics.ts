// Prometheus scrape endpoint. Open like /healthz: it carries counts and latencies, no partner data.
import type Router from '@koa/router';
import { z } from 'zod';
import { metricsRegistry } from '../../platform/metrics.js';
import { documented } from '../openapi/route.js';

export function metricsRoutes(router: Router): void {
  documented(router).get('/metrics', {
    operationId: 'getMetrics',
    summary: 'Prometheus metrics: HTTP latency and counts, lifecycle transitions, notices sent, sync durations',
    tag: 'Health',
    public: true,
    responses: { 200: { description: 'The Prometheus text exposition format', content: { 'text/plain': z.string() } } },
  }, async (ctx) => {
    ctx.type = metricsRegistry.contentType;
    ctx.body = await metricsRegistry.metrics();
  });
}

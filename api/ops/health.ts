// Liveness and readiness: /readyz reports each component, so a failing deploy says which part is down.
import type Router from '@koa/router';
import { documented } from '../openapi/route.js';
import type { ReadinessProbe } from '../../platform/readiness.js';
import { liveness, readiness as readinessResponse } from './health-responses.js';

export function healthRoutes(router: Router, readiness: ReadinessProbe): void {
  const route = documented(router);
  route.get('/healthz', { operationId: 'checkLiveness', summary: 'Is the process up', tag: 'Health', public: true, responses: { 200: liveness } }, (ctx) => {
    ctx.body = { status: 'ok' };
  });
  route.get('/readyz', {
    operationId: 'checkReadiness',
    summary: 'Can it serve: database, Temporal and worker reachable',
    tag: 'Health',
    public: true,
    responses: { 200: readinessResponse, 503: { description: 'A component is down; `components` says which', schema: readinessResponse } },
  }, async (ctx) => {
    const components = await readiness();
    const ready = Object.values(components).every((component) => component.ok);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready', components };
  });
}

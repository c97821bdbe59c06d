// Liveness and readiness: /readyz reports each component, so a failing deploy says which part is down.
import type Router from '@koa/router';

export type ComponentStatus = { ok: true } | { ok: false; error: string };
export type ReadinessProbe = () => Promise<Record<string, ComponentStatus>>;

export function healthRoutes(router: Router, readiness: ReadinessProbe): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const components = await readiness();
    const ready = Object.values(components).every((component) => component.ok);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready', components };
  });
}

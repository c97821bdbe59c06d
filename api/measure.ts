// Times every answer for /metrics. Labelled by the route template (`/v1/licenses/:id`), never
// the raw path, so ids do not explode the number of series; paths no route serves share one label.
import type { Context, Next } from 'koa';
import { httpRequestDuration } from '../platform/metrics.js';

export function measureRequests() {
  return async (ctx: Context, next: Next) => {
    const stopTimer = httpRequestDuration.startTimer();
    try {
      await next();
    } finally {
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute;
      stopTimer({ method: ctx.method, route: typeof route === 'string' ? route : 'unmatched', status: String(ctx.status) });
    }
  };
}

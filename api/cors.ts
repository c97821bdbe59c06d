// Cross-origin access for browser callers (a partner portal on its own origin), limited to the
// origins listed in CORS_ORIGINS; with none listed, browsers get no cross-origin access at all.
import cors from '@koa/cors';
import type { Context, Middleware } from 'koa';

export function crossOrigin(allowedOrigins: readonly string[]): Middleware {
  const anyOrigin = allowedOrigins.includes('*');
  return cors({
    // An origin not listed gets no Access-Control-* headers, which is how a browser is told no.
    origin: (ctx: Context) => {
      const origin = ctx.get('origin');
      return anyOrigin || allowedOrigins.includes(origin) ? origin : '';
    },
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'Idempotency-Key', 'X-Request-Id'],
    exposeHeaders: ['Location', 'X-Request-Id', 'Idempotent-Replayed', 'Retry-After'],
    maxAge: 600,
  });
}

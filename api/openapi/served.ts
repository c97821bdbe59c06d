// What an app actually serves, read from the Koa routers mounted on it: the source of
// the OpenAPI document, and what the tests compare the document with.
import type Koa from 'koa';
import type Router from '@koa/router';
import type { Method } from './route.js';

export interface ServedRoute {
  method: Method;
  /** The Koa path with the router's prefix, e.g. /v1/licenses/:id */
  path: string;
}

/** Routers mounted with `app.use(router.routes())`, in the order they see requests. */
export function mountedRouters(app: Koa): Router[] {
  return app.middleware.flatMap((middleware) => {
    const router = (middleware as { router?: Router }).router;
    return router ? [router] : [];
  });
}

export function servedRoutes(app: Koa): ServedRoute[] {
  return mountedRouters(app).flatMap((router) =>
    router.stack.flatMap((layer) =>
      layer.methods
        // HEAD comes with every GET; OPTIONS and 405 are answered by allowedMethods for every path.
        .filter((method) => method !== 'HEAD')
        .map((method) => ({ method: method.toLowerCase() as Method, path: String(layer.path) })),
    ),
  );
}

/** `/v1/licenses/:id/renew` → `/v1/licenses/{id}/renew` */
export const openApiPath = (koaPath: string) => koaPath.replace(/:(\w+)/g, '{$1}');

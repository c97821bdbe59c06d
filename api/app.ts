// The Koa application: thin edges around the machines and the workflows.
import { randomUUID } from 'node:crypto';
import Koa, { type Context, type Middleware } from 'koa';
import Router, { type Layer, type RouterContext } from '@koa/router';
import type { Client } from '@temporalio/client';
import type { LocalWorker } from '../platform/lifecycle/first-state.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../platform/logger.js';
import { authenticate, readOnlyForViewers } from './auth.js';
import { LiveKeys } from './api-key/live-keys.js';
import { crossOrigin } from './cors.js';
import { undecodableQueryValuesRefused } from './query-string.js';
import { idempotentPosts } from './idempotency.js';
import { measureRequests } from './measure.js';
import { OUTAGE_CODE, OUTAGE_RETRY_AFTER_SECONDS, Problem, asProblem, methodNotAllowed } from './problem.js';
import { jsonBodies } from './request-body.js';
import { healthRoutes } from './ops/health.js';
import { type ReadinessProbe } from '../platform/readiness.js';
import { policyRoutes } from './policy/routes.js';
import { productPolicyRoutes } from './policy/product-routes.js';
import { companyRoutes } from './company/routes.js';
import { licenseRoutes } from './license/routes.js';
import { accountRoutes } from './account/routes.js';
import { metricsRoutes } from './ops/metrics.js';
import { partnerRoutes } from './partner/routes.js';
import { apiKeyRoutes } from './api-key/routes.js';
import { accessGroupRoutes } from './access-group/routes.js';
import { poolRoutes } from './pool/routes.js';
import { operationRoutes } from './operation/routes.js';
import { sourceRoutes } from './source/routes.js';
import { companySourceRoutes } from './source/company-routes.js';
import type { CredentialCipher } from '../platform/source/credentials.js';
import { auditRoutes } from './audit/routes.js';
import { outboxRoutes } from './notice/routes.js';
import { openApiRoutes } from './ops/openapi.js';
import { usageRoutes } from './usage/routes.js';
import { webhookRoutes } from './webhook/routes.js';
import { billingRoutes } from './billing/routes.js';
import { openApiDocument } from './openapi/document.js';
import { codecRoutes, type CodecAccess } from './ops/codec.js';
import type { TargetPolicy } from '../platform/network/address-guard.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The routes matched by path whose `id`, where they take one, is a UUID: `/v1/licenses/batch` also
 * matches `/v1/licenses/:id`, but "batch" is no id, so GET there is not a license read.
 */
function routesServing(ctx: Context): Layer[] {
  return ((ctx as RouterContext).matched ?? []).filter((layer) => {
    const id = layer.params(ctx.path, layer.captures(ctx.path)).id;
    return id === undefined || UUID.test(id);
  });
}

const methodsOf = (routes: Layer[]) => [...new Set(routes.flatMap((route) => route.methods))];

/** The router's OPTIONS and 405 answers list only the methods of the routes that serve the path. */
const allowOnlyServingRoutes: Middleware = (ctx, next) => {
  if ((ctx as RouterContext).matched) (ctx as RouterContext).matched = routesServing(ctx);
  return next();
};
/** A caller's request id is kept only if it is safe to echo in headers and logs. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface AppDependencies {
  db: Database;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  readiness: ReadinessProbe;
  /** Browser origins allowed to call the API (CORS_ORIGINS); none by default. */
  corsOrigins?: readonly string[];
  /** The Temporal payload codec and who may use it through /codec/*; no endpoint without it. */
  codec?: CodecAccess;
  /** Where webhooks may point (TENURE_WEBHOOK_ALLOW, https in production); deny-by-default without it. */
  webhookTargets?: TargetPolicy;
  /** Encrypts source credentials at rest (TENURE_CREDENTIALS_KEY); sources cannot be added without it. */
  sourceCredentials?: CredentialCipher;
  /** The worker in this process (npm start): issues start their workflows on it eagerly. */
  localWorker?: LocalWorker;
}

export function createApp(deps: AppDependencies): Koa {
  const app = new Koa();
  app.proxy = true;
  // Errors after the answer started (a client hanging up mid-stream) reach Koa, not our
  // problem handler: log them as JSON like everything else, a hang-up as the non-event it is.
  app.on('error', (error: NodeJS.ErrnoException) => {
    const hangUp = error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'ERR_STREAM_PREMATURE_CLOSE';
    if (hangUp) deps.logger.debug({ err: error }, 'client went away');
    else deps.logger.error({ err: error }, 'error after the answer started');
  });

  app.use(measureRequests());
  app.use(async (ctx, next) => {
    const offered = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(offered) ? offered : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    const log = deps.logger.child({ requestId });
    ctx.state.log = log;
    const started = performance.now();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new Problem(404, 'not_found', 'No such route');
      // The routers' allowedMethods set `Allow` and answered 405, or 501 for a method no route serves
      // (TRACE, PROPFIND …). The path exists either way, so the caller gets 405 with a problem: a 5xx
      // would tell a client or a scanner that Tenure failed, when it only refused.
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) throw methodNotAllowed(ctx.method, ctx.response.get('Allow'));
    } catch (error) {
      const problem = asProblem(error);
      if (problem.status >= 500) log.error({ err: error }, 'request failed');
      ctx.status = problem.status;
      // Our own outage: PostgreSQL or Temporal back within seconds. ConnectWise's 503s carry its own Retry-After, or none (R27).
      if (problem.code === OUTAGE_CODE) ctx.set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
      ctx.type = 'application/problem+json';
      ctx.body = problem.body(ctx.path, requestId);
    } finally {
      log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  });
  // Before the API's CORS and body parser: the codec endpoint answers its own preflights and reads its own body.
  if (deps.codec) app.use(codecRoutes(deps.db, deps.codec));
  app.use(crossOrigin(deps.corsOrigins ?? []));
  app.use(undecodableQueryValuesRefused());

  for (const middleware of jsonBodies()) app.use(middleware);

  const open = new Router();
  healthRoutes(open, deps.readiness);
  metricsRoutes(open);
  // Built at the first request, when every router below is mounted.
  openApiRoutes(open, () => openApiDocument(app));
  app.use(open.routes());
  app.use(open.allowedMethods());

  const v1 = new Router({ prefix: '/v1' });
  const liveKeys = new LiveKeys(deps.db);
  v1.use(authenticate(liveKeys));
  v1.use(readOnlyForViewers());
  v1.use(idempotentPosts(deps.db));
  // An id that cannot exist is simply not found, never a database error.
  v1.param('id', (id, ctx, next) => {
    if (UUID.test(id)) return next();
    // Another route serves this path (POST /v1/licenses/batch): the method is what is wrong there.
    const allowed = methodsOf(routesServing(ctx)).join(', ');
    if (allowed) {
      ctx.set('Allow', allowed);
      throw methodNotAllowed(ctx.method, allowed);
    }
    throw new Problem(404, 'not_found', 'Not found');
  });
  policyRoutes(v1, deps);
  productPolicyRoutes(v1, deps);
  companyRoutes(v1, deps);
  licenseRoutes(v1, deps);
  accountRoutes(v1, deps);
  partnerRoutes(v1, deps);
  apiKeyRoutes(v1, deps, liveKeys);
  accessGroupRoutes(v1, deps);
  poolRoutes(v1, deps);
  operationRoutes(v1, deps);
  sourceRoutes(v1, deps);
  companySourceRoutes(v1, deps);
  auditRoutes(v1, deps);
  outboxRoutes(v1, deps);
  usageRoutes(v1, deps);
  webhookRoutes(v1, deps);
  billingRoutes(v1, deps);
  app.use(v1.routes());
  app.use(allowOnlyServingRoutes);
  app.use(v1.allowedMethods());
  return app;
}

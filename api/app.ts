// The Koa application: thin edges around the machines and the workflows.
import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import type { Logger } from '../runtime/logger.js';
import { authenticate } from './auth.js';
import { Problem } from './problem.js';
import { healthRoutes, type ReadinessProbe } from './routes/health.js';
import { policyRoutes } from './routes/policies.js';
import { companyRoutes } from './routes/companies.js';
import { licenseRoutes } from './routes/licenses.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AppDependencies {
  db: Database;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  readiness: ReadinessProbe;
}

export function createApp(deps: AppDependencies): Koa {
  const app = new Koa();
  app.proxy = true;

  app.use(async (ctx, next) => {
    const requestId = ctx.get('x-request-id') || randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    const log = deps.logger.child({ requestId });
    ctx.state.log = log;
    const started = performance.now();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new Problem(404, 'not_found', 'No such route');
    } catch (error) {
      const problem = asProblem(error);
      if (problem.status >= 500) log.error({ err: error }, 'request failed');
      ctx.status = problem.status;
      ctx.type = 'application/problem+json';
      ctx.body = problem.body(ctx.path, requestId);
    } finally {
      log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  });

  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' }));

  const open = new Router();
  healthRoutes(open, deps.readiness);
  app.use(open.routes());

  const v1 = new Router({ prefix: '/v1' });
  v1.use(authenticate(deps.db));
  // An id that cannot exist is simply not found, never a database error.
  v1.param('id', (id, _ctx, next) => {
    if (!UUID.test(id)) throw new Problem(404, 'not_found', 'Not found');
    return next();
  });
  policyRoutes(v1, deps);
  companyRoutes(v1, deps);
  licenseRoutes(v1, deps);
  app.use(v1.routes());
  app.use(v1.allowedMethods({ throw: true }));
  return app;
}

function asProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
  if (status === 413) return new Problem(413, 'body_too_large', 'The request body is too large', 'The limit is 1 MB.');
  if (status === 405) return new Problem(405, 'method_not_allowed', 'Method not allowed on this route');
  if (status === 400 || status === 415) {
    return new Problem(400, 'malformed_body', 'The body is not valid JSON', (error as Error).message, { field: 'body' });
  }
  return new Problem(500, 'internal', 'Something went wrong on our side', 'The request id identifies it in our logs.');
}

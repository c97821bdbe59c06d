// Documenting a route where it is registered: `documented(router).post(path, doc, handler)`
// registers the handler on the Koa router and keeps its description for the OpenAPI
// document. The description's success schemas also type `ctx.body` in the handler, so
// what the document promises and what the code answers cannot drift apart.
import { STATUS_CODES } from 'node:http';
import type Router from '@koa/router';
import type { RouterMiddleware } from '@koa/router';
import type { DefaultContext, DefaultState } from 'koa';
import type { z } from 'zod';
import type { Role } from '../api-key/keys.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A JSON body described by its zod schema, or a response described in words and media types. */
export type ResponseDoc =
  | z.ZodType
  | {
      description: string;
      /** The `application/json` body. */
      schema?: z.ZodType;
      /** Other media types the route can answer with, e.g. `{ 'text/csv': z.string() }`. */
      content?: Record<string, z.ZodType>;
    };

export interface RouteDoc<Responses extends Record<number, ResponseDoc> = Record<number, ResponseDoc>> {
  /** Unique, verb first: what a generated client calls the method (`renewLicense`). */
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** The least role that may call it; the 403 answer is then documented. Absent: any key reads, and changes need an operator (conventions.ts). */
  role?: Exclude<Role, 'viewer'>;
  /** Served without an API key (health, the documentation itself). */
  public?: true;
  /** Path parameters, when they are not UUIDs named by the path (`:id` is one). */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Answers by status. The usual problems (401, 403, 404, 422) follow from the fields above and conventions.ts; list the others in `problems`. */
  responses: Responses;
  /** Further problem answers and when they happen, e.g. `{ 409: 'The lifecycle forbids it now' }`. */
  problems?: Record<number, string>;
}

export interface DocumentedOperation extends RouteDoc {
  method: Method;
  /** The Koa path as registered, without the router's prefix. */
  path: string;
}

/** What the handler may put in `ctx.body`: the union of the documented JSON bodies, or anything when a route answers other media. */
type BodyOf<Responses extends Record<number, ResponseDoc>> = {
  [Status in keyof Responses]: Responses[Status] extends z.ZodType
    ? z.input<Responses[Status]>
    : Responses[Status] extends { schema: infer Schema extends z.ZodType; content?: undefined }
      ? z.input<Schema>
      : unknown;
}[keyof Responses];

type Register = <Responses extends Record<number, ResponseDoc>>(
  path: string,
  doc: RouteDoc<Responses>,
  ...handlers: RouterMiddleware<DefaultState, DefaultContext, BodyOf<Responses>>[]
) => void;

const operationsByRouter = new WeakMap<Router, DocumentedOperation[]>();

export function documented(router: Router): Record<Method, Register> {
  const register = (method: Method): Register => (path, doc, ...handlers) => {
    router[method](path, ...handlers);
    const operations = operationsByRouter.get(router) ?? [];
    operations.push({ ...doc, method, path });
    operationsByRouter.set(router, operations);
  };
  return { get: register('get'), post: register('post'), put: register('put'), patch: register('patch'), delete: register('delete') };
}

export function operationsOf(router: Router): readonly DocumentedOperation[] {
  return operationsByRouter.get(router) ?? [];
}

/** A response's description and media types, whichever way it was written. */
export function describedResponse(status: number, response: ResponseDoc): { description: string; content: Record<string, z.ZodType> } {
  if ('_zod' in response) {
    return { description: response.description ?? STATUS_CODES[status] ?? 'Answer', content: { 'application/json': response } };
  }
  return { description: response.description, content: { ...(response.schema ? { 'application/json': response.schema } : {}), ...response.content } };
}

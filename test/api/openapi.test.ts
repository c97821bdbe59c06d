// The OpenAPI document as a contract: valid, complete, rendered, and true about who may do
// what. The probes walk the document itself, so a route added later is probed too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Router from '@koa/router';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApp } from '../../api/app.js';
import { hashSecret, newSecret } from '../../api/api-key/keys.js';
import { openApiDocument, type OpenApiDocument, type OpenApiOperation, type OpenApiResponse } from '../../api/openapi/document.js';
import { openApiPath, servedRoutes } from '../../api/openapi/served.js';
import { apiKeys, partners } from '../../db/schema.js';
import { createLogger } from '../../platform/logger.js';
import { eventually, startTenure, type ApiAnswer, type Tenure } from '../support/tenure.js';
import { sampleOf } from './sample-body.js';
import { startFakeJsonFeed, type FakeJsonFeed } from '../fakes/json-feed.js';
import { createSource } from '../source/helpers.js';
import { createCompany, createPolicy, inSeconds, createKey, createManagedPartner, issueLicense } from '../support/setup.js';

let tenure: Tenure;
let document: OpenApiDocument;
/** An upstream for partner A's source: a local JSON feed, the documented format. */
let feed: FakeJsonFeed;
beforeAll(async () => {
  tenure = await startTenure();
  const answer = await fetch(`${tenure.url}/openapi.json`);
  expect(answer.status).toBe(200);
  document = (await answer.json()) as OpenApiDocument;
});
afterAll(async () => {
  await tenure?.close();
  await feed?.close();
});

interface DocumentedRoute {
  method: string;
  path: string;
  operation: OpenApiOperation;
}

const documentedRoutes = (): DocumentedRoute[] =>
  Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ method, path, operation })));
const nameOf = (route: { method: string; path: string }) => `${route.method.toUpperCase()} ${route.path}`;
const CHANGES = new Set(['post', 'put', 'patch', 'delete']);
const PATH_PARAMETER = /([^/]+)\/\{(\w+)\}/g;
/** A route whose path parameters are all ids of objects (a product code names none: any partner may use it). */
const namesObjects = (route: DocumentedRoute) =>
  route.path.includes('{') &&
  (route.operation.parameters ?? []).filter((parameter) => parameter.in === 'path').every((parameter) => (parameter.schema as { format?: string } | undefined)?.format === 'uuid');

/**
 * How partner A gets an object of each kind of id a path can name, by the collection the id
 * follows (`/v1/licenses/{id}/renew` → `licenses`). A route naming a new kind of object needs
 * one line here.
 */
const fixtures: Record<string, () => Promise<string>> = {
  policies: () => createPolicy(tenure),
  companies: () => createCompany(tenure, { name: 'Probe Corp' }),
  licenses: async () => issueLicense(tenure, { companyId: await idOf('companies') }),
  accounts: async () => created('/v1/accounts', { companyId: await idOf('companies'), product: 'endpoint-protection', name: 'Probe tenant', seatsRequested: 2, term: 'annual' }),
  partners: async () => (await createManagedPartner(tenure, 'Managed by A')).id,
  'api-keys': async () => (await createKey(tenure, 'operator')).id,
  'access-groups': () => created('/v1/access-groups', { name: 'Probe group' }),
  webhooks: () => created('/v1/webhooks', { url: 'http://127.0.0.1:9/never-called', events: ['license.renewed'] }),
  sources: async () => {
    feed = await startFakeJsonFeed({ companies: 1, licensesPerCompany: 1 });
    return createSource(tenure, { vendor: 'json_feed', baseUrl: feed.url, credentials: {} });
  },
  // Not an object: a product code a partner chooses a policy for.
  products: async () => 'probe-product',
  pools: async () => created('/v1/pools', { name: 'Probe pool', accessGroupId: await idOf('access-groups') }),
  operations: async () => {
    const target = await created('/v1/access-groups', { name: 'Probe target' });
    const answer = await tenure.api('POST', `/v1/pools/${await idOf('pools')}/move`, { accessGroupId: target });
    if (answer.status !== 202) throw new Error(`pool move as partner A: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.operationId;
  },
  // A notice exists once its time comes: here an expiring notice due seconds after issue, a day
  // before expiry (with room for a slow issue: a notice due before the license began is skipped).
  // Its company opted out of it, so nothing is mailed.
  outbox: async () => {
    const policyId = await createPolicy(tenure, { expiryNotices: ['PT86396S'] });
    const companyId = await createCompany(tenure, { name: 'Quiet Corp', noticeEmails: [], noticeOptOuts: ['expiring'] });
    const license = await created('/v1/licenses', { companyId, product: 'probe', seats: 1, term: 'annual', expiresAt: inSeconds(86_400), policyId });
    const notices = await eventually(
      async () => (await tenure.api('GET', `/v1/outbox?subjectId=${license}`)).body.data as { id: string }[],
      (data) => data.length > 0,
    );
    return notices[0]!.id;
  },
};

const made = new Map<string, Promise<string>>();
function idOf(kind: string, path?: string): Promise<string> {
  const fixture = fixtures[kind];
  if (!fixture) {
    throw new Error(
      `No fixture for ids of "${kind}" (in ${path}): add \`'${kind}': () => <create one as partner A and return its id>\` to fixtures in test/api/openapi.test.ts`,
    );
  }
  if (!made.has(kind)) made.set(kind, fixture());
  return made.get(kind)!;
}

async function created(path: string, body: unknown): Promise<string> {
  const answer = await tenure.api('POST', path, body);
  if (answer.status !== 201) throw new Error(`POST ${path} as partner A: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

/** The documented path with partner A's objects in it. */
async function withIdsOfPartnerA(path: string): Promise<string> {
  let concrete = path;
  for (const [, kind, parameter] of path.matchAll(PATH_PARAMETER)) concrete = concrete.replace(`{${parameter}}`, await idOf(kind!, path));
  return concrete;
}

/** Calls a documented route with a minimal body its schema accepts, so that the answer is about the caller and the id. */
function call(route: DocumentedRoute, path: string, key: string): Promise<ApiAnswer> {
  const schema = route.operation.requestBody?.content['application/json']?.schema;
  return tenure.api(route.method.toUpperCase(), path, schema ? sampleOf(schema, document.components.schemas) : undefined, { key });
}

/** A partner that has nothing to do with A, as another MSP would be: only the database can make one. */
async function unrelatedPartnerKey(): Promise<string> {
  const secret = newSecret();
  const [partner] = await tenure.db.insert(partners).values({ name: 'Unrelated MSP' }).returning({ id: partners.id });
  await tenure.db.insert(apiKeys).values({ partnerId: partner!.id, name: 'admin', role: 'admin', secretHash: hashSecret(secret) });
  return secret;
}

describe('the OpenAPI document', () => {
  it('is served at /openapi.json without a key and passes an outside OpenAPI 3.1 validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // Every $ref points at something.
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('says in its patterns which time zones, e-mail addresses and durations every body refuses, so a generator sends only what is accepted', () => {
    const fields: { where: string; schema: Record<string, unknown> }[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((item, index) => walk(item, `${where}[${index}]`));
      if (typeof node !== 'object' || node === null) return;
      const schema = node as Record<string, unknown>;
      if (schema.format === 'email' || where.endsWith('.properties.timeZone') || String(schema.description).startsWith('ISO 8601 duration')) fields.push({ where, schema });
      for (const [key, value] of Object.entries(schema)) walk(value, `${where}.${key}`);
    };
    for (const { method, path, operation } of documentedRoutes()) walk(operation.requestBody, `${method.toUpperCase()} ${path}`);
    const refusedByPattern = (schema: Record<string, unknown>, value: string) => typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value);
    const emails = fields.filter(({ schema }) => schema.format === 'email');
    const timeZones = fields.filter(({ where }) => where.endsWith('.properties.timeZone'));
    expect(emails.length).toBeGreaterThan(2);
    expect(timeZones.length).toBeGreaterThan(1);
    for (const { where, schema } of timeZones) {
      for (const value of ['', '0'.repeat(99), '+01:00']) expect(refusedByPattern(schema, value), `${where} lets ${JSON.stringify(value)} through`).toBe(true);
      expect(refusedByPattern(schema, 'America/Port-au-Prince'), where).toBe(false);
    }
    const durations = fields.filter(({ schema }) => String(schema.description).startsWith('ISO 8601 duration'));
    expect(durations.length).toBeGreaterThan(5);
    for (const { where, schema } of durations) {
      for (const value of ['P', 'PT', 'P1DT', '__main__', '14D']) expect(refusedByPattern(schema, value), `${where} lets ${value} through`).toBe(true);
      expect(refusedByPattern(schema, 'P14D'), where).toBe(false);
    }
    for (const { where, schema } of emails) {
      for (const value of ['it@ab--cd.test', `${'a'.repeat(65)}@acme.test`, `it@${'b'.repeat(64)}.test`]) expect(refusedByPattern(schema, value), `${where} lets ${value} through`).toBe(true);
      expect(refusedByPattern(schema, 'it@xn--bcher-kva.test'), where).toBe(false);
    }
  });

  it('tells a generated client which answers may be replays: every POST that takes an Idempotency-Key documents Idempotent-Replayed on its successes, as a replay sends it', async () => {
    const posts = documentedRoutes().filter((route) => route.method === 'post' && route.operation.parameters?.some((parameter) => parameter.name === 'Idempotency-Key'));
    expect(posts.length).toBeGreaterThan(10);
    for (const route of posts) {
      const successes = Object.entries(route.operation.responses).filter(([status]) => Number(status) < 300);
      for (const [status, response] of successes) expect((response as OpenApiResponse).headers, `${route.path} ${status}`).toHaveProperty('Idempotent-Replayed');
    }
    const body = { name: 'Replayed Corp' };
    const key = { headers: { 'Idempotency-Key': `openapi-replay-${crypto.randomUUID()}` } };
    expect((await tenure.api('POST', '/v1/companies', body, key)).headers.get('idempotent-replayed')).toBeNull();
    expect((await tenure.api('POST', '/v1/companies', body, key)).headers.get('idempotent-replayed')).toBe('true');
  });

  it('documents every route the API serves, and only those', () => {
    const app = createApp({ db: tenure.db, temporal: tenure.client, taskQueue: tenure.taskQueue, logger: createLogger('silent'), readiness: async () => ({}) });
    const served = servedRoutes(app).map((route) => nameOf({ method: route.method, path: openApiPath(route.path) }));
    const described = documentedRoutes().map(nameOf);
    expect(
      { servedButNotDocumented: served.filter((route) => !described.includes(route)), documentedButNotServed: described.filter((route) => !served.includes(route)) },
      'register routes with documented(router): see api/openapi/README.md',
    ).toEqual({ servedButNotDocumented: [], documentedButNotServed: [] });
    expect(described.length).toBeGreaterThan(30);
  });

  it('leaves out a route registered on the router directly, which the comparison above then reports', () => {
    const app = createApp({ db: tenure.db, temporal: tenure.client, taskQueue: tenure.taskQueue, logger: createLogger('silent'), readiness: async () => ({}) });
    const undocumented = new Router({ prefix: '/v1' });
    undocumented.get('/shadow', (ctx) => {
      ctx.body = {};
    });
    app.use(undocumented.routes());
    expect(servedRoutes(app).map(nameOf)).toContain('GET /v1/shadow');
    expect(Object.keys(openApiDocument(app).paths)).not.toContain('/v1/shadow');
  });

  it('is rendered at /docs without a key: every operation on one page that loads nothing from elsewhere', async () => {
    const answer = await fetch(`${tenure.url}/docs`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await answer.text();
    for (const route of documentedRoutes()) expect(html, nameOf(route)).toContain(`id="op-${route.operation.operationId}"`);
    for (const name of Object.keys(document.components.schemas)) expect(html).toContain(`id="schema-${name}"`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|@import|url\(/i);
  });

  it('R31: every route the document says needs a key answers 401 without one, and the open ones answer without', async () => {
    const wrong: string[] = [];
    for (const route of documentedRoutes()) {
      const answer = await fetch(`${tenure.url}${route.path.replace(/\{\w+\}/g, () => crypto.randomUUID())}`, { method: route.method.toUpperCase() });
      const open = route.operation.security?.length === 0;
      if (open ? answer.status >= 400 : answer.status !== 401) wrong.push(`${nameOf(route)} → ${answer.status}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe.each([
  ['an unrelated partner', unrelatedPartnerKey],
  ['a partner managed by A', async () => (await createManagedPartner(tenure, 'Managed MSP')).adminKey.secret],
])('R1: partner A’s objects do not exist for %s', (_, keyOfOtherPartner) => {
  it('answers 404 on every route of the document that names an object, given partner A’s id of that kind', async () => {
    const routes = documentedRoutes().filter(namesObjects);
    expect(routes.length).toBeGreaterThan(15);
    const other = await keyOfOtherPartner();
    await Promise.all(routes.map((route) => withIdsOfPartnerA(route.path)));
    const leaks: string[] = [];
    for (const route of routes) {
      const path = await withIdsOfPartnerA(route.path);
      // The same call as A itself finds the object (it may still refuse for its state), so the 404 below is about the partner, not the id.
      if (route.method === 'get') {
        const own = await call(route, path, tenure.adminKey);
        if (own.status === 404 || own.status >= 500) leaks.push(`${nameOf(route)} as partner A → ${own.status} ${JSON.stringify(own.body)} (the probe's id is wrong)`);
      }
      const answer = await call(route, path, other);
      if (answer.status !== 404 || answer.body.code !== 'not_found') leaks.push(`${nameOf(route)} → ${answer.status} ${JSON.stringify(answer.body)}`);
      if (!route.operation.responses['404']) leaks.push(`${nameOf(route)} does not document its 404`);
    }
    expect(leaks).toEqual([]);
  });
});

/** The kinds of object that sit in access groups, or are about something that does (R2). */
const IN_ACCESS_GROUPS = new Set(['licenses', 'accounts', 'pools', 'operations', 'outbox', 'access-groups']);

describe('R2: a key scoped to access groups', () => {
  it('answers 404 on every route of the document that names an object outside its groups, as for another partner', async () => {
    const routes = documentedRoutes().filter((route) => [...route.path.matchAll(PATH_PARAMETER)].some(([, kind]) => IN_ACCESS_GROUPS.has(kind!)));
    expect(routes.length).toBeGreaterThan(10);
    const elsewhere = await created('/v1/access-groups', { name: 'Somewhere else' });
    const scoped = (await createKey(tenure, 'admin', { accessGroupIds: [elsewhere] })).secret;
    const leaks: string[] = [];
    for (const route of routes) {
      const answer = await call(route, await withIdsOfPartnerA(route.path), scoped);
      if (answer.status !== 404 || answer.body.code !== 'not_found') leaks.push(`${nameOf(route)} → ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    expect(leaks).toEqual([]);
  });
});

describe('bad input is answered, never a 500', () => {
  it('an id that cannot exist answers 404 problem+json on every route of the document that names an object', async () => {
    const routes = documentedRoutes().filter(namesObjects);
    expect(routes.length).toBeGreaterThan(15);
    const wrong: string[] = [];
    for (const route of routes) {
      const answer = await call(route, route.path.replace(/\{\w+\}/g, 'not-an-id'), tenure.adminKey);
      const type = answer.headers.get('content-type') ?? '';
      if (answer.status !== 404 || !type.includes('application/problem+json')) wrong.push(`${nameOf(route)} → ${answer.status} ${type}`);
    }
    expect(wrong).toEqual([]);
  });

  it('a body of the wrong shape answers 422 naming the field on every route of the document that takes one', async () => {
    const routes = documentedRoutes().filter((route) => route.operation.requestBody?.content['application/json']);
    expect(routes.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const route of routes) {
      const path = await withIdsOfPartnerA(route.path);
      const answer = await tenure.api(route.method.toUpperCase(), path, { notAField: true });
      if (answer.status !== 422 || typeof answer.body.field !== 'string') wrong.push(`${nameOf(route)} → ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('R31: viewers read, nothing more', () => {
  it('a viewer key of partner A answers 403 on every route of the document that changes something, on its own objects', async () => {
    const viewer = (await createKey(tenure, 'viewer')).secret;
    const routes = documentedRoutes().filter((route) => CHANGES.has(route.method));
    expect(routes.length).toBeGreaterThan(15);
    const allowed: string[] = [];
    for (const route of routes) {
      const answer = await call(route, await withIdsOfPartnerA(route.path), viewer);
      if (answer.status !== 403 || answer.body.code !== 'forbidden') allowed.push(`${nameOf(route)} → ${answer.status} ${JSON.stringify(answer.body)}`);
      if (!route.operation.responses['403']) allowed.push(`${nameOf(route)} does not document its 403`);
    }
    expect(allowed).toEqual([]);
  });
});

// Property-based fuzzing over the served OpenAPI document: every operation gets generated
// valid and hostile bodies, query parameters, path parameters, raw bytes, idempotency keys and
// methods. Whatever it is sent, Tenure answers within the deadline, never with a 5xx, with a
// status and a body its document promises, never accepts what its document calls invalid, and
// never keeps a locale it cannot render. A failure names the request that broke it and the seed.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { OpenApiDocument } from '../../api/openapi/document.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { Contract, nameOf, type Operation } from './contract.js';
import { concretePath, idsFrom, makeKnownObjects, type KnownObjects } from './fuzz-objects.js';
import { aimedAt, contentTypes, hostileFor, hostileIdempotencyKeys, hostileRawBodies, hostileSegments, hostileStrings, hostileValue, validOf, type IdsFor } from './fuzz-values.js';
import { sampleOf } from './sample-body.js';
import { REQUEST_DEADLINE_MS, sendRaw, type RawOutcome, type RawRequest } from './raw-request.js';

let tenure: Tenure;
let contract: Contract;
let known: KnownObjects;
let idsFor: IdsFor;
beforeAll(async () => {
  tenure = await startTenure();
  const answer = await fetch(`${tenure.url}/openapi.json`);
  contract = new Contract((await answer.json()) as OpenApiDocument);
  known = await makeKnownObjects(tenure);
  idsFor = idsFrom(known);
});
afterAll(() => tenure?.close());

/** A request and what the document says of it: why it is invalid, when it is. */
interface Sent {
  operation?: Operation;
  request: RawRequest;
  invalidBecause?: string;
  /** The field the answer must name: refused input is refused by name. */
  mustName?: string;
}

const displayedLanguage = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** A locale Tenure keeps must be one it can render: a canonical BCP 47 tag of a language ICU knows. */
function unrenderableLocale(tag: unknown): boolean {
  if (typeof tag !== 'string') return false;
  try {
    return Intl.getCanonicalLocales(tag)[0] !== tag || displayedLanguage.of(new Intl.Locale(tag).language) === undefined;
  } catch {
    return true;
  }
}

/** Sends the request and lists every way the answer breaks the contract. */
async function exchange(sent: Sent): Promise<{ problems: string[]; outcome: RawOutcome }> {
  const outcome = await sendRaw(tenure.url, sent.request);
  if (outcome.kind === 'hung') return { outcome, problems: [`no answer within ${REQUEST_DEADLINE_MS} ms`] };
  if (outcome.kind === 'refused') return { outcome, problems: [`the connection ended without an answer (${outcome.error})`] };
  return { outcome, problems: breachesOf(sent, outcome) };
}

function breachesOf(sent: Sent, outcome: Extract<RawOutcome, { kind: 'answered' }>): string[] {
  const { status, text } = outcome;
  const contentType = String(outcome.headers['content-type'] ?? '');
  const problems: string[] = [];
  // Other 5xx (an upstream that is down, say) are answers when the operation documents them.
  if (status === 500) problems.push(`answered 500: ${text.slice(0, 300)}`);
  if (status >= 500 && !sent.operation) problems.push(`answered ${status}: ${text.slice(0, 300)}`);
  if (sent.operation) problems.push(...contract.breaches(sent.operation, { status, contentType, text }));
  if (sent.invalidBecause && status < 300) problems.push(`answered ${status} to a request whose ${sent.invalidBecause} the document calls invalid`);
  const body = contentType.includes('json') ? parsed(text) : undefined;
  if (status === 422 && typeof body?.field !== 'string') problems.push('answered 422 without naming the field');
  if (sent.mustName && body?.field !== sent.mustName) problems.push(`answered ${status} ${String(body?.field ?? '')}, not a refusal naming ${sent.mustName}`);
  if (status < 300 && unrenderableLocale(body?.locale)) problems.push(`kept the locale ${JSON.stringify(body?.locale)}, which Tenure cannot render`);
  return problems;
}

function parsed(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A request as a failure report shows it: long strings shortened. */
function described({ request }: Sent): string {
  const body = request.body === undefined ? '' : ` ${(Buffer.isBuffer(request.body) ? `<bytes ${request.body.toString('hex')}>` : request.body.length > 300 ? `${request.body.slice(0, 120)}…(${request.body.length} chars)` : request.body)}`;
  const headers = Object.entries(request.headers ?? {}).filter(([name]) => name !== 'authorization').map(([name, value]) => `${name}: ${JSON.stringify(value.slice(0, 80))}`);
  return `${request.method} ${request.target.length > 300 ? `${request.target.slice(0, 200)}…` : request.target}${headers.length ? ` [${headers.join(', ')}]` : ''}${body}`;
}

/** Runs one property per operation and returns what failed, so one run reports every operation that breaks. */
async function fuzzEach<T>(operations: Operation[], numRuns: number, arbitraryFor: (operation: Operation) => fc.Arbitrary<T>, sentOf: (operation: Operation, value: T) => Sent): Promise<string[]> {
  expect(operations.length).toBeGreaterThan(0);
  const failures: string[] = [];
  for (const operation of operations) {
    const result = await fc.check(
      fc.asyncProperty(arbitraryFor(operation), async (value) => {
        const sent = sentOf(operation, value);
        const { problems } = await exchange(sent);
        if (problems.length > 0) throw new Error(`${described(sent)}\n    → ${problems.join('\n    → ')}`);
      }),
      // A hang costs the whole deadline on every shrinking step: report the first failure as found.
      { numRuns, endOnFailure: true },
    );
    if (result.failed) failures.push(`${nameOf(operation)} (seed ${result.seed}):\n  ${(result.errorInstance as Error | undefined)?.message ?? String(result.errorInstance)}`);
  }
  return failures;
}

const headersFor = (extra: Record<string, string | undefined> = {}): Record<string, string> =>
  Object.fromEntries(Object.entries({ authorization: `Bearer ${tenure.adminKey}`, ...extra }).filter((entry): entry is [string, string] => entry[1] !== undefined));

const withBody = () => contract.operations().filter((operation) => contract.bodySchemaOf(operation));
/** Deleting the known objects first would leave the other operations nothing but 404s to answer. */
const deletesLast = (operations: Operation[]) => [...operations].sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));

function validBody(operation: Operation): fc.Arbitrary<unknown> {
  return validOf(contract.bodySchemaOf(operation)!, contract.document.components.schemas, idsFor);
}

/** The body's field names, through alternatives (`{expiresAt}` or `{duration, basis}`). */
function fieldsOf(schema: Record<string, unknown>): string[] {
  const resolved = typeof schema.$ref === 'string' ? contract.document.components.schemas[schema.$ref.split('/').pop()!]! : schema;
  const alternatives = ((resolved.anyOf ?? resolved.oneOf ?? []) as Record<string, unknown>[]).flatMap(fieldsOf);
  return [...new Set([...Object.keys((resolved.properties ?? {}) as object), ...alternatives])];
}

const resolved = (schema: Record<string, unknown>) => (typeof schema.$ref === 'string' ? contract.document.components.schemas[schema.$ref.split('/').pop()!]! : schema);

/** A body field's schema, wherever in the alternatives it is declared. */
function propertyOf(operation: Operation, field: string): Record<string, unknown> {
  const find = (schema: Record<string, unknown>): Record<string, unknown> | undefined => {
    const resolved = typeof schema.$ref === 'string' ? contract.document.components.schemas[schema.$ref.split('/').pop()!]! : schema;
    const own = (resolved.properties as Record<string, Record<string, unknown>> | undefined)?.[field];
    return own ?? ((resolved.anyOf ?? resolved.oneOf ?? []) as Record<string, unknown>[]).map(find).find(Boolean);
  };
  return find(contract.bodySchemaOf(operation)!) ?? {};
}

function jsonRequest(operation: Operation, body: unknown, headers: Record<string, string | undefined> = {}): RawRequest {
  return { method: operation.method.toUpperCase(), target: concretePath(operation.path, known), headers: headersFor({ 'content-type': 'application/json', ...headers }), body: JSON.stringify(body) };
}

/** What a server reads from a percent-encoded value; one it cannot decode stands for itself, as invalid as NUL. */
function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return '\u0000';
  }
}

/** Percent-encoded as UTF-8; a lone surrogate has no UTF-8 and goes as U+FFFD, as a browser sends it. */
const encoded = (text: string) => [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

// Generous: with a defect back in, every hang waits out its deadline before the report.
describe('fuzzing every operation of the served OpenAPI document: no 5xx, no hang, only documented answers', { timeout: 600_000 }, () => {
  it('generated and hostile JSON bodies (NUL, lone surrogates, P99999Y, far instants, bad locales, wrong types) are answered as documented', async () => {
    const failures = await fuzzEach(
      deletesLast(withBody()),
      12,
      (operation) => {
        const fields = fieldsOf(contract.bodySchemaOf(operation)!);
        const aimed = fields.length === 0 ? hostileValue : fc.constantFrom(...fields).chain((field) => fc.tuple(fc.constant(field), fc.oneof({ weight: 3, arbitrary: hostileFor(propertyOf(operation, field), contract.document.components.schemas, field) }, hostileValue)));
        const mutated = fc
          .tuple(validBody(operation), fc.oneof({ weight: 5, arbitrary: aimed }, fc.tuple(fc.constant('notAField'), hostileValue)))
          .map(([body, entry]) => (Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' ? { ...(body as object), [entry[0]]: entry[1] } : body));
        return fc.oneof({ weight: 1, arbitrary: validBody(operation) }, { weight: 3, arbitrary: mutated });
      },
      (operation, body) => ({ operation, request: jsonRequest(operation, body), invalidBecause: contract.acceptsBody(operation, body) ? undefined : 'body' }),
    );
    expect(failures).toEqual([]);
  });

  it('every text field of every body gets the hostile values aimed at it, once each, beside valid fields', async () => {
    const failures: string[] = [];
    for (const operation of deletesLast(withBody())) {
      const base = sampleOf(contract.bodySchemaOf(operation)!, contract.document.components.schemas) as object;
      for (const field of fieldsOf(contract.bodySchemaOf(operation)!)) {
        const property = resolved(propertyOf(operation, field));
        const textual = property.type === 'string' || (property.type === 'array' && resolved(property.items as Record<string, unknown>).type === 'string');
        if (!textual) continue;
        for (const value of aimedAt(property.type === 'array' ? resolved(property.items as Record<string, unknown>) : property, field)) {
          const body = { ...base, [field]: property.type === 'array' ? [value] : value };
          const sent = { operation, request: jsonRequest(operation, body), invalidBecause: contract.acceptsBody(operation, body) ? undefined : 'body' };
          const { problems } = await exchange(sent);
          if (problems.length > 0) failures.push(`${nameOf(operation)}: ${described(sent)}\n    → ${problems.join('\n    → ')}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('raw bodies (broken, deep, oversized JSON; other media types) and malformed Idempotency-Keys are answered as documented', async () => {
    const rawBody = fc.oneof(fc.constantFrom(...hostileRawBodies), fc.constant(undefined));
    const failures = await fuzzEach(
      withBody(),
      8,
      (operation) =>
        fc.record({
          body: fc.oneof(rawBody, validBody(operation).map((body) => JSON.stringify(body))),
          contentType: fc.oneof({ weight: 3, arbitrary: fc.constant('application/json') }, fc.constantFrom(...contentTypes)),
          key: fc.option(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...hostileIdempotencyKeys) }, fc.uuid()), { nil: undefined, freq: 2 }),
        }),
      (operation, { body, contentType, key }) => {
        const text = Buffer.isBuffer(body) ? undefined : body?.replace(/^\uFEFF/, '');
        const json = text === undefined ? undefined : parsed(text);
        const invalid = [
          body !== undefined && !contentType.startsWith('application/json') ? 'media type' : undefined,
          body !== undefined && (json === undefined || !contract.acceptsBody(operation, json)) ? 'body' : undefined,
          body === undefined && !contract.acceptsBody(operation, undefined) ? 'missing body' : undefined,
          contract.acceptsParameter(operation, 'header', 'Idempotency-Key', key) ? undefined : 'Idempotency-Key',
        ].filter(Boolean);
        // The key is checked before the route reads the body, once the body is JSON at all.
        const readable = body === undefined || (typeof json === 'object' && json !== null && contentType.startsWith('application/json') && text!.length < 1_000_000 && !text!.includes('[[[['));
        return {
          operation,
          request: { method: operation.method.toUpperCase(), target: concretePath(operation.path, known), headers: headersFor({ 'content-type': body === undefined ? undefined : contentType, 'idempotency-key': key }), body },
          invalidBecause: invalid.length > 0 ? invalid.join(' and ') : undefined,
          mustName: invalid.includes('Idempotency-Key') && readable ? 'Idempotency-Key' : undefined,
        };
      },
    );
    expect(failures).toEqual([]);
  });

  it('generated and hostile query parameters are answered as documented', async () => {
    const hostileText = fc.oneof(fc.constantFrom(...hostileStrings).map((text) => encoded(text.slice(0, 4_000))), fc.constantFrom('%00', '%ZZ', '%ED%A0%80', '%', '1e308', 'NaN', '-1', 'Infinity'));
    const failures = await fuzzEach(
      contract.operations().filter((operation) => contract.parametersOf(operation, 'query').length > 0),
      10,
      (operation) =>
        fc.record({
          query: fc.record(
            Object.fromEntries(
              contract.parametersOf(operation, 'query').map((parameter) => [
                parameter.name,
                fc.oneof(validOf(parameter.schema, contract.document.components.schemas, idsFor, parameter.name).map((value) => encoded(String(value))), hostileText),
              ]),
            ),
            { requiredKeys: [] },
          ),
          accept: fc.constantFrom(undefined, 'application/json', 'text/csv', 'application/xml', '*/*'),
        }),
      (operation, { query: generated, accept }) => {
        const query = Object.entries(generated).filter((entry): entry is [string, string] => entry[1] !== undefined);
        const invalid = query.filter(([name, value]) => !contract.acceptsParameter(operation, 'query', name, decoded(value)));
        const search = query.map(([name, value]) => `${name}=${value}`).join('&');
        return {
          operation,
          request: { method: operation.method.toUpperCase(), target: `${concretePath(operation.path, known)}${search ? `?${search}` : ''}`, headers: headersFor({ accept }) },
          invalidBecause: invalid.length > 0 ? `query parameter ${invalid.map(([name]) => name).join(', ')}` : undefined,
        };
      },
    );
    expect(failures).toEqual([]);
  });

  it('OPTIONS on every path of the document lists in Allow exactly the methods it documents there', async () => {
    const failures: string[] = [];
    for (const path of Object.keys(contract.document.paths)) {
      const documented = contract.methodsAt(path);
      const { problems, outcome } = await exchange({ request: { method: 'OPTIONS', target: concretePath(path, known), headers: headersFor({}) } });
      if (outcome.kind === 'answered') {
        const allow = String(outcome.headers.allow ?? '').split(/,\s*/).filter(Boolean);
        const expected = [...documented, ...(documented.includes('GET') ? ['HEAD'] : [])];
        if (outcome.status >= 300 || [...allow].sort().join() !== [...expected].sort().join()) problems.push(`answered ${outcome.status} with Allow: ${allow.join(', ')}, not ${expected.join(', ')}`);
      }
      if (problems.length > 0) failures.push(`OPTIONS ${path}: ${problems.join('; ')}`);
    }
    expect(failures).toEqual([]);
  });

  it('methods no operation of a path documents (TRACE, PROPFIND, PUT …, unregistered verbs) answer 405 with Allow, never a 5xx', async () => {
    const verbs = ['TRACE', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'SEARCH', 'PURGE', 'LINK', 'PUT', 'PATCH', 'DELETE', 'POST', 'GET', 'BREW', 'X-TENURE'];
    const failures: string[] = [];
    for (const path of Object.keys(contract.document.paths)) {
      const documented = contract.methodsAt(path);
      // GET /v1/licenses/batch included: "batch" is no license id, so /v1/licenses/{id} does not serve it.
      const undocumented = verbs.filter((verb) => !documented.includes(verb));
      const result = await fc.check(
        fc.asyncProperty(fc.constantFrom(...undocumented), async (method) => {
          // A body only where the method carries one: Node refuses a TRACE with a body before Tenure sees it.
          const carriesBody = ['POST', 'PUT', 'PATCH'].includes(method);
          const request: RawRequest = { method, target: concretePath(path, known), headers: headersFor(carriesBody ? { 'content-type': 'application/json' } : {}), body: carriesBody ? '{}' : undefined };
          const { problems, outcome } = await exchange({ request });
          if (outcome.kind === 'answered') {
            const allow = String(outcome.headers.allow ?? '').split(/,\s*/);
            // Node itself refuses a verb it does not know before any route sees it.
            const refusedByNode = !http.METHODS.includes(method) && outcome.status === 400;
            if (!refusedByNode) {
              if (outcome.status !== 405) problems.push(`answered ${outcome.status}, not 405`);
              const missing = documented.filter((verb) => !allow.includes(verb));
              if (missing.length > 0) problems.push(`Allow: ${outcome.headers.allow ?? '(none)'} lacks ${missing.join(', ')}`);
              const extra = allow.filter((verb) => !documented.includes(verb) && !(verb === 'HEAD' && documented.includes('GET')));
              if (extra.length > 0) problems.push(`Allow: ${outcome.headers.allow} lists ${extra.join(', ')}, which the document does not`);
              if (!String(outcome.headers['content-type']).includes('application/problem+json')) problems.push(`answered ${outcome.headers['content-type']}, not problem+json`);
            }
          }
          if (problems.length > 0) throw new Error(`${method} ${path}\n    → ${problems.join('\n    → ')}`);
        }),
        { numRuns: 4, endOnFailure: true },
      );
      if (result.failed) failures.push(`${path} (seed ${result.seed}):\n  ${(result.errorInstance as Error | undefined)?.message}`);
    }
    expect(failures).toEqual([]);
  });

  // Last: these reach the known objects with every documented method, DELETE included.
  it('hostile path parameters (NUL, bad percent-encoding, huge, not ids) are answered as documented', async () => {
    const failures = await fuzzEach(
      deletesLast(contract.operations().filter((operation) => operation.path.includes('{'))),
      6,
      (operation) => fc.record({ segment: fc.constantFrom('known', 'unknown', ...hostileSegments), body: contract.bodySchemaOf(operation) ? validBody(operation) : fc.constant(undefined) }),
      (operation, { segment, body }) => {
        const segmentFor = (collection: string) => (segment === 'known' ? known[collection] ?? crypto.randomUUID() : segment === 'unknown' ? crypto.randomUUID() : segment);
        const target = concretePath(operation.path, known, segmentFor);
        const request = body === undefined ? { method: operation.method.toUpperCase(), target, headers: headersFor() } : { ...jsonRequest(operation, body), target };
        const fits = segment === 'known' || segment === 'unknown' || contract.parametersOf(operation, 'path').every((parameter) => contract.acceptsParameter(operation, 'path', parameter.name, decoded(segment)));
        return { operation, request, invalidBecause: fits ? undefined : 'path parameter' };
      },
    );
    expect(failures).toEqual([]);
  });
});

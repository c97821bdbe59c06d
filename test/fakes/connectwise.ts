// A local ConnectWise Manage that follows the documented REST shapes of DESIGN §6 (Basic auth
// plus clientId, `conditions`, page/pageSize, JSON Patch on agreement additions, the
// `{code, message, errors}` error body, identifiers matched ignoring case), so billing tests
// push to something that answers and remembers like the real one, and can be made to fail on demand.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const API_ROOT = '/v4_6_release/apis/3.0';
const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 1000;

export interface FakeConnectWiseCredentials {
  company: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
}

export interface FakeCompany {
  id: number;
  identifier: string;
  name: string;
}

export interface FakeAgreement {
  id: number;
  name: string;
  type: { id: number; name: string };
  company: FakeCompany;
}

export interface FakeAddition {
  id: number;
  agreementId: number;
  product: { id: number; identifier: string };
  quantity: number;
  description: string;
}

export interface FakeTicket {
  id: number;
  summary: string;
  company: FakeCompany;
  initialDescription: string;
  notes: { id: number; ticketId: number; text: string; detailDescriptionFlag: boolean }[];
}

/** A PATCH as it arrived, whatever the fake answered, so tests can assert what was pushed. */
export interface ReceivedPatch {
  agreementId: number;
  additionId: number;
  body: unknown;
  status: number;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

/** An answer the fake gives instead of serving a request, as ConnectWise or a proxy in front of it may. */
export interface FakeFailure {
  status: number;
  /** Sent as Retry-After. */
  retryAfterSeconds?: number;
  /** Only requests of this method fail; any method unless set. */
  method?: string;
  /** Only requests whose path below the API root matches fail, e.g. /^\/finance\/agreements\/7\//; any path unless set. */
  path?: RegExp;
  /** A body other than ConnectWise's JSON error, e.g. a proxy's HTML page. */
  text?: { contentType: string; body: string };
}

/** What the fake saw while it answered slowly. */
export interface SlowAnswers {
  /** The most requests the fake was answering at once since slowAnswers was called. */
  readonly peakInFlight: number;
  /** Answers come at once again. */
  restore(): void;
}

export interface FakeConnectWise {
  /** The API root to put in the client's settings. */
  baseUrl: string;
  credentials: FakeConnectWiseCredentials;
  addCompany(company: { identifier: string; name?: string }): FakeCompany;
  addAgreement(agreement: { companyId: number; name: string; type?: string }): FakeAgreement;
  addAddition(addition: { agreementId: number; product: string; quantity: number; description?: string }): FakeAddition;
  addition(agreementId: number, additionId: number): FakeAddition | undefined;
  /** Deleted in ConnectWise: a PATCH of it answers 404 from now on. */
  removeAddition(agreementId: number, additionId: number): void;
  /** Deleted in ConnectWise: a note added to it answers 404 from now on. */
  deleteTicket(ticketId: number): void;
  /**
   * Lists companies without applying `conditions`, as a site that ignores a condition it cannot
   * parse does, so tests see that the client checks the identifier of what it gets.
   */
  ignoreCompanyConditions(): void;
  readonly patches: ReceivedPatch[];
  readonly requests: ReceivedRequest[];
  readonly tickets: FakeTicket[];
  /** The next `count` requests, whatever they are, answer `status` (Retry-After on 429). */
  failNext(count: number, status: 429 | 503, retryAfterSeconds?: number): void;
  /** The next `count` requests that `failure` names answer as it says; other requests are served. */
  failNextMatching(count: number, failure: FakeFailure): void;
  /** Every answer comes after `latencyMs`, so requests sent together are seen together. */
  slowAnswers(latencyMs: number): SlowAnswers;
  /** PATCHes arriving from now on wait, unanswered, until `release` is called; then they apply. */
  holdPatches(): { release(): void };
  close(): Promise<void>;
}

interface ErrorBody {
  code: string;
  message: string;
  errors?: { code: string; message: string; resource: string; field: string }[];
}

class Answer extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }
}

export async function startFakeConnectWise(credentials?: Partial<FakeConnectWiseCredentials>): Promise<FakeConnectWise> {
  const accepted: FakeConnectWiseCredentials = {
    company: 'tenuremsp',
    publicKey: 'public-key',
    privateKey: 'private-key',
    clientId: '7f3c9a52-2c1e-4a8b-9d6e-0b1f2e3d4c5a',
    ...credentials,
  };
  const companies: FakeCompany[] = [];
  const agreements: FakeAgreement[] = [];
  const additions: FakeAddition[] = [];
  const tickets: FakeTicket[] = [];
  const patches: ReceivedPatch[] = [];
  const requests: ReceivedRequest[] = [];
  let nextId = 100;
  const failures: FakeFailure[] = [];
  let patchHold: Promise<void> | undefined;
  let companyConditionsIgnored = false;
  let latencyMs = 0;
  let inFlight = 0;
  let peakInFlight = 0;

  function companyById(id: number): FakeCompany {
    const company = companies.find((candidate) => candidate.id === id);
    if (!company) throw new Error(`fake ConnectWise has no company ${String(id)}`);
    return company;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams) });
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const route = url.pathname.slice(API_ROOT.length);
    const failureIndex = failures.findIndex((failure) => (failure.method ?? method) === method && (failure.path?.test(route) ?? true));
    if (failureIndex >= 0) {
      const [failure] = failures.splice(failureIndex, 1);
      return sendFailure(response, failure!);
    }
    if (!authorized(request)) {
      return send(response, 401, { code: 'Unauthorized', message: 'Authentication failed: wrong credentials or clientId' });
    }
    if (!url.pathname.startsWith(`${API_ROOT}/`)) throw notFound(url.pathname);
    const body = await readBody(request);

    if (method === 'GET' && route === '/company/companies') {
      const identifier = condition(url, 'identifier', 'string')?.toLowerCase();
      const matching = companies.filter((company) => companyConditionsIgnored || identifier === undefined || company.identifier.toLowerCase() === identifier);
      return send(response, 200, page(url, matching));
    }
    if (method === 'GET' && route === '/finance/agreements') {
      const companyId = condition(url, 'company/id', 'integer');
      return send(response, 200, page(url, agreements.filter((agreement) => companyId === undefined || agreement.company.id === companyId)));
    }
    let match = /^\/finance\/agreements\/(\d+)\/additions$/.exec(route);
    if (method === 'GET' && match) {
      const agreementId = Number(match[1]);
      if (!agreements.some((agreement) => agreement.id === agreementId)) throw notFound(route);
      return send(response, 200, page(url, additions.filter((addition) => addition.agreementId === agreementId)));
    }
    match = /^\/finance\/agreements\/(\d+)\/additions\/(\d+)$/.exec(route);
    if (method === 'PATCH' && match) {
      const received: ReceivedPatch = { agreementId: Number(match[1]), additionId: Number(match[2]), body, status: 0 };
      patches.push(received);
      await patchHold;
      try {
        const addition = additions.find((candidate) => candidate.agreementId === received.agreementId && candidate.id === received.additionId);
        if (!addition) throw notFound(route);
        addition.quantity = quantityFromPatch(body);
        received.status = 200;
        return send(response, 200, addition);
      } catch (error) {
        received.status = error instanceof Answer ? error.status : 500;
        throw error;
      }
    }
    if (method === 'POST' && route === '/service/tickets') {
      const { summary, company, initialDescription } = (body ?? {}) as Record<string, unknown>;
      if (typeof summary !== 'string' || summary === '') throw invalid('ticket', 'summary', 'summary is required');
      const companyId = (company as { id?: unknown } | undefined)?.id;
      const billed = companies.find((candidate) => candidate.id === companyId);
      if (!billed) throw invalid('ticket', 'company', 'company must be an existing company {id}');
      const ticket: FakeTicket = { id: nextId++, summary, company: billed, initialDescription: String(initialDescription ?? ''), notes: [] };
      tickets.push(ticket);
      return send(response, 201, { id: ticket.id, summary, company: billed, initialDescription: ticket.initialDescription });
    }
    match = /^\/service\/tickets\/(\d+)\/notes$/.exec(route);
    if (method === 'POST' && match) {
      const ticket = tickets.find((candidate) => candidate.id === Number(match?.[1]));
      if (!ticket) throw notFound(route);
      const { text, detailDescriptionFlag } = (body ?? {}) as Record<string, unknown>;
      if (typeof text !== 'string' || text === '') throw invalid('ticketNote', 'text', 'text is required');
      const note = { id: nextId++, ticketId: ticket.id, text, detailDescriptionFlag: detailDescriptionFlag === true };
      ticket.notes.push(note);
      return send(response, 201, note);
    }
    throw notFound(route);
  }

  function authorized(request: IncomingMessage): boolean {
    const expected = `Basic ${Buffer.from(`${accepted.company}+${accepted.publicKey}:${accepted.privateKey}`).toString('base64')}`;
    return request.headers.authorization === expected && request.headers.clientid === accepted.clientId;
  }

  const server = createServer((request, response) => {
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    handle(request, response)
      .catch((error: unknown) => {
        if (error instanceof Answer) send(response, error.status, error.body);
        else send(response, 500, { code: 'InternalError', message: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => inFlight--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${String(port)}${API_ROOT}`,
    credentials: accepted,
    addCompany({ identifier, name }) {
      const company = { id: nextId++, identifier, name: name ?? identifier };
      companies.push(company);
      return company;
    },
    addAgreement({ companyId, name, type }) {
      const agreement = { id: nextId++, name, type: { id: 1, name: type ?? 'Managed Services' }, company: companyById(companyId) };
      agreements.push(agreement);
      return agreement;
    },
    addAddition({ agreementId, product, quantity, description }) {
      if (!agreements.some((agreement) => agreement.id === agreementId)) throw new Error(`fake ConnectWise has no agreement ${String(agreementId)}`);
      const addition = { id: nextId++, agreementId, product: { id: nextId++, identifier: product }, quantity, description: description ?? product };
      additions.push(addition);
      return addition;
    },
    addition: (agreementId, additionId) => additions.find((addition) => addition.agreementId === agreementId && addition.id === additionId),
    removeAddition(agreementId, additionId) {
      const index = additions.findIndex((addition) => addition.agreementId === agreementId && addition.id === additionId);
      if (index < 0) throw new Error(`fake ConnectWise has no addition ${String(additionId)} on agreement ${String(agreementId)}`);
      additions.splice(index, 1);
    },
    deleteTicket(ticketId) {
      const index = tickets.findIndex((ticket) => ticket.id === ticketId);
      if (index < 0) throw new Error(`fake ConnectWise has no ticket ${String(ticketId)}`);
      tickets.splice(index, 1);
    },
    ignoreCompanyConditions() {
      companyConditionsIgnored = true;
    },
    patches,
    requests,
    tickets,
    failNext(count, status, retryAfterSeconds) {
      for (let index = 0; index < count; index++) failures.push({ status, retryAfterSeconds });
    },
    failNextMatching(count, failure) {
      for (let index = 0; index < count; index++) failures.push(failure);
    },
    slowAnswers(latency) {
      latencyMs = latency;
      peakInFlight = inFlight;
      return {
        get peakInFlight() {
          return peakInFlight;
        },
        restore() {
          latencyMs = 0;
        },
      };
    },
    holdPatches() {
      let release = () => {};
      patchHold = new Promise<void>((resolve) => {
        release = () => {
          patchHold = undefined;
          resolve();
        };
      });
      return { release: () => release() };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * The value of the one condition this fake understands on a list, `field=value`, with a
 * string in double quotes (backslash escapes `\"` and `\\`) or an integer; anything else is
 * a 400, so a client that builds a condition wrong finds out here rather than in production.
 */
function condition(url: URL, field: string, type: 'string'): string | undefined;
function condition(url: URL, field: string, type: 'integer'): number | undefined;
function condition(url: URL, field: string, type: 'string' | 'integer'): string | number | undefined {
  const conditions = url.searchParams.get('conditions');
  if (conditions === null) return undefined;
  const prefix = `${field}=`;
  const value = conditions.startsWith(prefix) ? conditions.slice(prefix.length) : undefined;
  if (type === 'integer' && value !== undefined && /^\d+$/.test(value)) return Number(value);
  const quoted = value === undefined ? null : /^"((?:[^"\\]|\\["\\])*)"$/.exec(value);
  if (type === 'string' && quoted) return (quoted[1] ?? '').replace(/\\(["\\])/g, '$1');
  throw invalid('conditions', 'conditions', `expected conditions ${field}=<${type}>, got ${conditions}`);
}

function page<T>(url: URL, records: T[]): T[] {
  const pageSize = Number(url.searchParams.get('pageSize') ?? DEFAULT_PAGE_SIZE);
  const number = Number(url.searchParams.get('page') ?? 1);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw invalid('pagination', 'pageSize', `pageSize must be from 1 to ${String(MAX_PAGE_SIZE)}`);
  }
  if (!Number.isInteger(number) || number < 1) throw invalid('pagination', 'page', 'page must be 1 or more');
  return records.slice((number - 1) * pageSize, number * pageSize);
}

/** The one JSON Patch billing sends: `[{"op":"replace","path":"quantity","value":N}]`. */
function quantityFromPatch(body: unknown): number {
  const operations = Array.isArray(body) ? (body as unknown[]) : [];
  const [operation] = operations;
  const { op, path, value } = (typeof operation === 'object' && operation !== null ? operation : {}) as Record<string, unknown>;
  const valid = operations.length === 1 && op === 'replace' && (path === 'quantity' || path === '/quantity');
  if (!valid) throw invalid('addition', 'quantity', 'expected a JSON Patch [{"op":"replace","path":"quantity","value":<number>}]');
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid('addition', 'quantity', 'quantity must be a number of 0 or more');
  return value;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    throw invalid('request', 'Content-Type', 'the body must be application/json');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid('request', 'body', 'the body is not valid JSON');
  }
}

function invalid(resource: string, field: string, message: string): Answer {
  return new Answer(400, {
    code: 'InvalidObject',
    message: `${resource} object is invalid`,
    errors: [{ code: 'InvalidField', message, resource, field }],
  });
}

function notFound(path: string): Answer {
  return new Answer(404, { code: 'NotFound', message: `${path} was not found` });
}

/** ConnectWise's own error body for the status, or the text the failure names. */
function sendFailure(response: ServerResponse, failure: FakeFailure): void {
  const headers: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(failure.retryAfterSeconds) };
  if (failure.text) {
    response.writeHead(failure.status, { 'Content-Type': failure.text.contentType, ...headers });
    response.end(failure.text.body);
    return;
  }
  send(response, failure.status, failureBodies[failure.status] ?? (failure.status >= 500 ? failureBodies[503]! : failureBodies[400]!), headers);
}

const failureBodies: Record<number, ErrorBody> = {
  400: { code: 'InvalidObject', message: 'The object is invalid' },
  401: { code: 'Unauthorized', message: 'Authentication failed: wrong credentials or clientId' },
  403: { code: 'Forbidden', message: 'The API member is not allowed to do this' },
  404: { code: 'NotFound', message: 'The record was not found' },
  429: { code: 'TooManyRequests', message: 'Request volume exceeds capacity' },
  503: { code: 'ServiceUnavailable', message: 'ConnectWise is down for maintenance' },
};

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

// A ConnectWise Manage REST client for PSA billing (DESIGN §6, R26, R27): finds a company by
// identifier, lists its agreements and their additions, sets an addition's quantity, and
// posts periodic summaries as service tickets and notes. Every failure is a ConnectWiseError
// that says what went wrong and whether a retry can help.
import { Buffer } from 'node:buffer';
import { retryAfterMs } from '../../platform/network/retry-after.js';

export interface ConnectWiseSettings {
  /** The site's API root, e.g. https://na.myconnectwise.net/v4_6_release/apis/3.0; a local fake in tests. */
  baseUrl: string;
  /** The ConnectWise company id the API member logs in to (not a customer's identifier). */
  company: string;
  publicKey: string;
  privateKey: string;
  /** The integration's clientId from the ConnectWise developer program. */
  clientId: string;
  /** Records per page when listing, 1–1000 (ConnectWise's maximum); 1000 unless set. */
  pageSize?: number;
  /** How long one request may take, in ms; 30 s unless set. */
  timeoutMs?: number;
  /**
   * How long, in ms and in all, this client may wait in place for rate-limited reads before a
   * 429 goes to the caller's retry policy; 20 s unless set.
   */
  rateLimitWaitBudgetMs?: number;
}

export interface ConnectWiseCompany {
  id: number;
  identifier: string;
  name: string;
}

export interface ConnectWiseReference {
  id: number;
  identifier?: string;
  name?: string;
}

export interface ConnectWiseAgreement {
  id: number;
  name: string;
  type?: ConnectWiseReference;
  company: ConnectWiseReference;
}

/** A product line of an agreement: what a customer is billed for, and how many. */
export interface ConnectWiseAddition {
  id: number;
  agreementId: number;
  product: ConnectWiseReference;
  quantity: number;
  description?: string;
}

export interface ConnectWiseTicket {
  id: number;
  summary: string;
  company: ConnectWiseReference;
}

export interface ConnectWiseTicketNote {
  id: number;
  ticketId: number;
  text: string;
}

export interface NewConnectWiseTicket {
  summary: string;
  companyId: number;
  initialDescription: string;
}

/** One entry of the `errors` list of a ConnectWise error body. */
export interface ConnectWiseFieldError {
  code?: string;
  message?: string;
  resource?: string;
  field?: string;
}

/**
 * - `auth`: 401 or 403, the keys, clientId or the API member's role are wrong; no retry helps.
 * - `not_found`: 404, the company, agreement, addition or ticket is not there.
 * - `unavailable`: 429, 5xx, a timeout or no connection; a later retry may succeed.
 * - `rejected`: any other answer, e.g. 400 for a request ConnectWise finds invalid.
 */
export type ConnectWiseErrorKind = 'auth' | 'not_found' | 'unavailable' | 'rejected';

export class ConnectWiseError extends Error {
  override readonly name = 'ConnectWiseError';

  constructor(
    message: string,
    readonly kind: ConnectWiseErrorKind,
    /** The HTTP status ConnectWise answered; undefined when no answer came. */
    readonly status: number | undefined,
    /** ConnectWise's own error code, e.g. InvalidObject. */
    readonly code: string | undefined,
    readonly fieldErrors: ConnectWiseFieldError[],
    /** From a 429's Retry-After header, in ms, so a retry policy can wait as long as asked. */
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return this.kind === 'unavailable';
  }
}

const MAX_PAGE_SIZE = 1000;
const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * Short waits add up: a lookup reads a page of agreements and then each one's additions, and
 * three 10 s waits on each would outlast the activity that reads them. Past this much waiting in
 * all, the 429 and its Retry-After go to the caller, which answers 503 with it or retries later.
 */
const DEFAULT_RATE_LIMIT_WAIT_BUDGET_MS = 20_000;

export class ConnectWiseClient {
  private readonly baseUrl: string;
  private readonly authorization: string;
  private readonly pageSize: number;
  private readonly timeoutMs: number;
  /** What is left of the in-place waits this client may make for rate-limited reads. */
  private rateLimitWaitLeftMs: number;

  constructor(private readonly settings: ConnectWiseSettings) {
    const pageSize = settings.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`ConnectWise pageSize must be an integer from 1 to ${String(MAX_PAGE_SIZE)}, got ${String(pageSize)}`);
    }
    this.baseUrl = settings.baseUrl.replace(/\/+$/, '');
    this.authorization = `Basic ${Buffer.from(`${settings.company}+${settings.publicKey}:${settings.privateKey}`).toString('base64')}`;
    this.pageSize = pageSize;
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.rateLimitWaitLeftMs = settings.rateLimitWaitBudgetMs ?? DEFAULT_RATE_LIMIT_WAIT_BUDGET_MS;
  }

  /**
   * The company whose identifier is `identifier` (the "Verify" of seed 001), or undefined. The
   * answer carries ConnectWise's own spelling: ConnectWise matches identifiers ignoring case.
   * A record with another identifier (a site that ignored the condition) is never taken for it.
   */
  async findCompany(identifier: string): Promise<ConnectWiseCompany | undefined> {
    const listed = await this.siteList<ConnectWiseCompany>('/company/companies', `identifier=${conditionString(identifier)}`);
    return listed.find((company) => typeof company.identifier === 'string' && sameIdentifier(company.identifier, identifier));
  }

  async listAgreements(companyId: number): Promise<ConnectWiseAgreement[]> {
    return this.siteList<ConnectWiseAgreement>('/finance/agreements', `company/id=${conditionInteger(companyId)}`);
  }

  async listAdditions(agreementId: number): Promise<ConnectWiseAddition[]> {
    return this.list<ConnectWiseAddition>(`/finance/agreements/${pathId(agreementId)}/additions`);
  }

  /** Sets the billed quantity of one addition: the monthly push (R26) and "send now" (R27). */
  async updateAdditionQuantity(agreementId: number, additionId: number, quantity: number): Promise<ConnectWiseAddition> {
    if (!Number.isFinite(quantity) || quantity < 0) {
      throw new RangeError(`ConnectWise addition quantity must be a non-negative number, got ${String(quantity)}`);
    }
    return this.request<ConnectWiseAddition>('PATCH', `/finance/agreements/${pathId(agreementId)}/additions/${pathId(additionId)}`, {
      body: [{ op: 'replace', path: 'quantity', value: quantity }],
    });
  }

  async createTicket(ticket: NewConnectWiseTicket): Promise<ConnectWiseTicket> {
    return this.request<ConnectWiseTicket>('POST', '/service/tickets', {
      body: { summary: ticket.summary, company: { id: ticket.companyId }, initialDescription: ticket.initialDescription },
    });
  }

  /** Adds a note to the ticket's detail description, where a periodic summary is read. */
  async addTicketNote(ticketId: number, text: string): Promise<ConnectWiseTicketNote> {
    return this.request<ConnectWiseTicketNote>('POST', `/service/tickets/${pathId(ticketId)}/notes`, {
      body: { text, detailDescriptionFlag: true },
    });
  }

  /** Reads page after page until one comes back short: ConnectWise sends no total. */
  /**
   * A list every ConnectWise site serves: a 404 for it is no missing record but settings that do
   * not reach the API (a site URL without /v4_6_release/apis/3.0; on ConnectWise cloud also keys
   * it does not know), so the caller is sent to the partner settings, not told the record is absent.
   */
  private async siteList<T>(path: string, conditions: string): Promise<T[]> {
    try {
      return await this.list<T>(path, conditions);
    } catch (error) {
      if (!(error instanceof ConnectWiseError) || error.kind !== 'not_found') throw error;
      const message = `ConnectWise answered 404 for GET ${path}, which every site serves: the baseUrl must be the site's API, ending in /v4_6_release/apis/3.0 (on ConnectWise cloud a 404 may also mean keys it does not know)`;
      throw new ConnectWiseError(message, 'auth', error.status, error.code, error.fieldErrors, undefined, { cause: error });
    }
  }

  private async list<T>(path: string, conditions?: string): Promise<T[]> {
    const records: T[] = [];
    for (let page = 1; ; page++) {
      const query: Record<string, string> = { page: String(page), pageSize: String(this.pageSize) };
      if (conditions !== undefined) query.conditions = conditions;
      const batch = await this.request<unknown>('GET', path, { query });
      if (!Array.isArray(batch)) {
        throw new ConnectWiseError(`ConnectWise answered GET ${path} with something other than a list`, 'unavailable', 200, undefined, [], undefined);
      }
      records.push(...(batch as T[]));
      if (batch.length < this.pageSize) return records;
    }
  }

  /** A read answered 429 is asked again after the wait ConnectWise names, when that wait is short and the client's budget allows it. */
  private async request<T>(method: string, path: string, options: { query?: Record<string, string>; body?: unknown }): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send<T>(method, path, options);
      } catch (error) {
        const waitMs = method === 'GET' ? rateLimitWaitMs(error, attempt) : undefined;
        if (waitMs === undefined || waitMs > this.rateLimitWaitLeftMs) throw error;
        this.rateLimitWaitLeftMs -= waitMs;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  private async send<T>(method: string, path: string, options: { query?: Record<string, string>; body?: unknown }): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = {
      Authorization: this.authorization,
      clientId: this.settings.clientId,
      Accept: 'application/json',
    };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';

    let status: number;
    let text: string;
    let retryAfter: string | null;
    let contentType: string;
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      contentType = response.headers.get('content-type') ?? '';
      text = await response.text();
    } catch (cause) {
      throw unreachable(method, path, this.timeoutMs, cause);
    }
    if (status < 200 || status > 299) throw errorFromAnswer(method, path, status, text, contentType, retryAfter);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      const snippet = snippetOf(text, contentType);
      const message = `ConnectWise answered ${method} ${path} with a body that is not JSON${snippet === undefined ? '' : `: ${snippet}`}`;
      throw new ConnectWiseError(message, 'unavailable', status, undefined, [], undefined, { cause });
    }
  }
}

/** A rate-limited read is asked at most this many times before the 429 goes to the caller's retry policy. */
const RATE_LIMITED_READ_ATTEMPTS = 4;
/** Longer waits are left to the activity's retry policy, which waits as long as asked without holding a request open. */
const LONGEST_IN_PLACE_WAIT_MS = 10_000;
/** When a 429 names no Retry-After: 1 s, 2 s, 4 s. */
const FIRST_RATE_LIMIT_WAIT_MS = 1_000;
/** How much of a body that is not ConnectWise's JSON (a proxy's HTML page, a plain-text error) a message quotes. */
const SNIPPET_LENGTH = 200;

function rateLimitWaitMs(error: unknown, attempt: number): number | undefined {
  if (!(error instanceof ConnectWiseError) || error.status !== 429 || attempt >= RATE_LIMITED_READ_ATTEMPTS) return undefined;
  const waitMs = error.retryAfterMs ?? FIRST_RATE_LIMIT_WAIT_MS * 2 ** (attempt - 1);
  return waitMs <= LONGEST_IN_PLACE_WAIT_MS ? waitMs : undefined;
}

/** Ignoring case, as ConnectWise matches identifiers; a different accent is a different identifier. */
function sameIdentifier(a: string, b: string): boolean {
  return a.localeCompare(b, 'en', { sensitivity: 'accent' }) === 0;
}

/**
 * A string literal of the ConnectWise conditions syntax: in double quotes, with a double quote
 * or a backslash inside escaped by a backslash, so an identifier like `Acme "EU"` matches
 * itself and cannot widen the condition.
 */
function conditionString(value: string): string {
  return `"${value.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
}

function conditionInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`a ConnectWise id must be an integer, got ${String(value)}`);
  return String(value);
}

function pathId(value: number): string {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`a ConnectWise id must be a positive integer, got ${String(value)}`);
  return String(value);
}

function unreachable(method: string, path: string, timeoutMs: number, cause: unknown): ConnectWiseError {
  const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
  const reason = timedOut ? `no answer within ${String(timeoutMs)} ms` : `no connection (${cause instanceof Error ? cause.message : String(cause)})`;
  return new ConnectWiseError(`ConnectWise could not be reached for ${method} ${path}: ${reason}`, 'unavailable', undefined, undefined, [], undefined, { cause });
}

function errorFromAnswer(method: string, path: string, status: number, text: string, contentType: string, retryAfter: string | null): ConnectWiseError {
  const body = parseErrorBody(text);
  const explanation = [hintFor(status), body.message ?? body.code, ...body.errors.map(describeFieldError), body.documented ? undefined : snippetOf(text, contentType)]
    .filter((part): part is string => part !== undefined && part !== '')
    .join('; ');
  const answered = `ConnectWise answered ${String(status)} to ${method} ${path}`;
  return new ConnectWiseError(explanation === '' ? answered : `${answered}: ${explanation}`, kindOf(status), status, body.code, body.errors, retryAfterMs(retryAfter) ?? undefined);
}

/**
 * The start of a body that is not the documented error JSON, on one line, so an operator reads
 * what the proxy or ConnectWise said ("502 Bad Gateway", "Rate limit exceeded") in the audit log.
 */
function snippetOf(text: string, contentType: string): string | undefined {
  const readable = /html/i.test(contentType) ? text.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ') : text;
  const line = readable.replace(/\s+/g, ' ').trim();
  if (line === '') return undefined;
  return line.length <= SNIPPET_LENGTH ? line : `${line.slice(0, SNIPPET_LENGTH).trimEnd()}…`;
}

/** What an operator should do about an answer, in the words of the settings page. */
function hintFor(status: number): string | undefined {
  if (status === 401) return 'authentication failed, check the company, public key, private key and clientId';
  if (status === 403) return "the API member's security role does not allow this";
  if (status === 404) return 'not found';
  if (status === 429) return 'too many requests, retry later';
  if (status >= 500) return 'ConnectWise is unavailable, retry later';
  return undefined;
}

function kindOf(status: number): ConnectWiseErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 429 || status >= 500) return 'unavailable';
  return 'rejected';
}

function describeFieldError(error: ConnectWiseFieldError): string {
  const where = [error.resource, error.field].filter(Boolean).join('.');
  const what = error.message ?? error.code ?? 'invalid';
  return where === '' ? what : `${where}: ${what}`;
}

/** The documented `{code, message, errors}` body, or as much of it as the answer holds; `documented` is false for any other body. */
function parseErrorBody(text: string): { documented: boolean; code?: string; message?: string; errors: ConnectWiseFieldError[] } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { documented: false, errors: [] };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { documented: false, errors: [] };
  const { code, message, errors } = body as Record<string, unknown>;
  return {
    documented: true,
    code: typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : undefined,
    errors: Array.isArray(errors) ? errors.filter((error): error is ConnectWiseFieldError => typeof error === 'object' && error !== null) : [],
  };
}

// The one interface every upstream connector speaks (DESIGN §5), its typed failures, and the
// HTTP habits they share: a timeout on every call, a bounded wait on 429, a read that stops when
// its caller does, and no credential in any message.
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import {
  upstreamFailureTypes,
  type SourceConnection,
  type UnavailableReason,
  type UpstreamCompany,
  type UpstreamGap,
  type UpstreamLicense,
  type UpstreamSubscription,
} from '../../machines/source/upstream.js';
import { EsetEma2Connector } from './eset-ema2.js';
import { JsonFeedConnector } from './json-feed.js';
import { SophosPartnerConnector } from './sophos-partner.js';
import { retryAfterMs } from '../../platform/network/retry-after.js';

/**
 * How far a read has come, for the sync's heartbeat and `GET /v1/operations/:id`. A connector counts
 * from where its run started; the connectors `connectorFor` answers count on across the runs that
 * resume one read, so the progress a user watches only grows within a sync.
 */
export interface ReadProgress {
  companiesRead: number;
  /** Null when the vendor does not say how many there are. */
  companiesTotal: number | null;
  licensesRead: number;
}

/**
 * One page of a read. `resumeFrom` is an opaque cursor: the same read given it continues after
 * this page, so a retried activity picks up where its last heartbeat was.
 */
export interface Page<Item> {
  items: Item[];
  /**
   * Companies the read could not get into this time: on license pages, those whose licenses were
   * refused; on company pages, those whose companies below were refused (`subtreeUnread`).
   */
  gaps: UpstreamGap[];
  progress: ReadProgress;
  resumeFrom: string;
}

/**
 * Reads take an optional `signal`: once it aborts (the activity reading was cancelled), a
 * connector that honours it abandons its requests under way and sends no more, and the read
 * throws the signal's reason.
 */
export interface Connector {
  /** R4: the credentials read the licenses of at least one company; throws UpstreamNoCompanies otherwise. */
  verify(): Promise<{ companiesReadable: number }>;
  companies(resumeFrom?: string, signal?: AbortSignal): AsyncIterable<Page<UpstreamCompany>>;
  licenses(resumeFrom?: string, signal?: AbortSignal): AsyncIterable<Page<UpstreamLicense>>;
  /** Only for vendors that expose customers' orders (M27). */
  subscriptions?(resumeFrom?: string, signal?: AbortSignal): AsyncIterable<Page<UpstreamSubscription>>;
}

export function connectorFor(connection: SourceConnection): Connector {
  return countingOn(vendorConnector(connection));
}

function vendorConnector(connection: SourceConnection): Connector {
  switch (connection.vendor) {
    case 'eset_ema2':
      return new EsetEma2Connector(connection.baseUrl, connection.credentials);
    case 'sophos_partner':
      return new SophosPartnerConnector(connection.baseUrl, connection.credentials);
    case 'json_feed':
      return new JsonFeedConnector(connection.baseUrl, connection.credentials);
  }
}

/**
 * A connector's cursor with what the read counted up to it. Each staging call (and each retried
 * attempt) resumes the read in a new run, whose counts start from zero: carried here, they go on.
 */
interface CountedCursor {
  at: string;
  progress: ReadProgress;
}

/** `connector` with each read's progress counted on across the runs that resume it. */
function countingOn(connector: Connector): Connector {
  const { subscriptions } = connector;
  return {
    verify: () => connector.verify(),
    companies: (resumeFrom, signal) => countedOn((at) => connector.companies(at, signal), resumeFrom),
    licenses: (resumeFrom, signal) => countedOn((at) => connector.licenses(at, signal), resumeFrom),
    subscriptions: subscriptions && ((resumeFrom, signal) => countedOn((at) => subscriptions.call(connector, at, signal), resumeFrom)),
  };
}

async function* countedOn<Item>(read: (at?: string) => AsyncIterable<Page<Item>>, resumeFrom?: string): AsyncIterable<Page<Item>> {
  const start = resumeFrom === undefined ? undefined : (JSON.parse(resumeFrom) as CountedCursor);
  const before: ReadProgress = start?.progress ?? { companiesRead: 0, companiesTotal: null, licensesRead: 0 };
  for await (const page of read(start?.at)) {
    const progress: ReadProgress = {
      companiesRead: before.companiesRead + page.progress.companiesRead,
      // ESET knows the total only from the walk's first page, which a resumed run does not read again.
      companiesTotal: page.progress.companiesTotal ?? before.companiesTotal,
      licensesRead: before.licensesRead + page.progress.licensesRead,
    };
    const cursor: CountedCursor = { at: page.resumeFrom, progress };
    yield { ...page, progress, resumeFrom: JSON.stringify(cursor) };
  }
}

/** Maintenance, 5xx, 429 after backoff, unreachable: worth retrying later (R23). */
export class UpstreamUnavailable extends Error {
  override readonly name = upstreamFailureTypes.unavailable;
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    /**
     * The upstream answered what asking again soon will not change: a document that does not
     * follow its format. The sync fails at once, naming it, instead of retrying for half an hour;
     * the next sync reads it again.
     */
    readonly lasting = false,
  ) {
    super(message);
  }
}

/**
 * How many times a list the vendor pages by position is read whole while its total keeps changing.
 * A row added or removed between two pages shifts the rest, and the one shifted past a page
 * boundary would go unlisted and be taken for gone (R23): such a list is read again from its first
 * page, and after this many reads the read fails with `keptChanging`.
 */
export const READS_WHILE_CHANGING = 3;

/** A list that kept changing under its reads: retried later, and what was read before stands (R23). */
export function keptChanging(list: string, total: string): UpstreamUnavailable {
  return new UpstreamUnavailable('invalid_response', `${list} changed its ${total} while read, ${READS_WHILE_CHANGING} times in a row`);
}

/** The upstream refused the credentials (or, during maintenance, pretends to). */
export class UpstreamAuthFailed extends Error {
  override readonly name = upstreamFailureTypes.authFailed;
}

/** R4: the credentials read no company at all. */
export class UpstreamNoCompanies extends Error {
  override readonly name = upstreamFailureTypes.noCompanies;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** A rate-limited read waits at most this many times before it gives the activity back to Temporal's backoff. */
const RATE_LIMIT_ATTEMPTS = 5;
/** A Retry-After longer than this is the vendor asking for more than an activity should sleep through. */
const LONGEST_RATE_LIMIT_WAIT_MS = 60_000;
/** When a 429 names no Retry-After: 1 s, 2 s, 4 s … */
const FIRST_RATE_LIMIT_WAIT_MS = 1_000;

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Abandons the request, or its wait on a 429, when the caller stops reading. */
  signal?: AbortSignal;
}

/**
 * Sends one request, waiting out 429s within bounds. Answers every other status to the caller,
 * who knows what its vendor means by it. Messages name the method and path, never headers or bodies.
 * Once `request.signal` aborts, throws its reason: the caller stopped, the upstream did not fail.
 */
export async function sendUpstream(request: UpstreamRequest): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    request.signal?.throwIfAborted();
    let response: Response;
    try {
      const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
      response = await fetch(request.url, {
        method: request.method,
        headers: { accept: 'application/json', ...request.headers },
        body: request.body,
        signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout,
      });
    } catch (error) {
      request.signal?.throwIfAborted();
      const why = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'could not connect';
      throw new UpstreamUnavailable('unreachable', `${describe(request)} ${why}`);
    }
    if (response.status !== 429) return response;
    await response.body?.cancel();
    const waitMs = retryAfterMs(response.headers.get('retry-after')) ?? FIRST_RATE_LIMIT_WAIT_MS * 2 ** (attempt - 1);
    if (attempt >= RATE_LIMIT_ATTEMPTS || waitMs > LONGEST_RATE_LIMIT_WAIT_MS) {
      throw new UpstreamUnavailable('rate_limited', `${describe(request)} is still rate limited after ${attempt} attempts`);
    }
    await sleep(waitMs, undefined, { signal: request.signal }).catch((error: unknown) => {
      request.signal?.throwIfAborted();
      throw error;
    });
  }
}

/** The body as JSON, or UpstreamUnavailable: a maintenance page served with 200 is not data. */
export async function jsonOf(response: Response, request: UpstreamRequest): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw new UpstreamUnavailable('invalid_response', `${describe(request)} answered ${response.status} without JSON`);
  }
}

/** An answer in the shape the vendor documents, or UpstreamUnavailable naming the first field that is not. */
export function shaped<Shape>(schema: z.ZodType<Shape>, answer: unknown, request: UpstreamRequest): Shape {
  const parsed = schema.safeParse(answer);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new UpstreamUnavailable('invalid_response', `${describe(request)} answered an unexpected shape${where}: ${issue?.message ?? 'invalid'}`, true);
}

/** A 5xx or unexpected status as a failure a workflow can branch on. */
export function unexpectedStatus(response: Response, request: UpstreamRequest): UpstreamUnavailable {
  const reason: UnavailableReason = response.status >= 500 ? 'server_error' : 'invalid_response';
  return new UpstreamUnavailable(reason, `${describe(request)} answered ${response.status}`);
}

/** Method and path only: query strings and hosts of a feed may carry tokens. */
export function describe(request: UpstreamRequest): string {
  return `${request.method} ${new URL(request.url).pathname}`;
}

/** `base` + `path`, keeping any path the base already has (`https://host/api` + `/Token/Get`). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/** A gate letting at most `limit` tasks run at once: the rest queue in order. */
export function limiter(limit: number): <Result>(task: () => Promise<Result>) => Promise<Result> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((admit) => waiting.push(admit));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** What reading one company's licenses found. */
export interface CompanyLicenses {
  licenses: UpstreamLicense[];
  gap: UpstreamGap | null;
}

/** Companies whose licenses are read at the same time; each connector bounds its own calls further. */
const COMPANIES_IN_FLIGHT = 8;

/**
 * Where a license read stands: the company read's cursor after the page of companies in hand, and
 * the ids of that page's companies whose licenses are still to read, in order. The ids are kept
 * rather than a count of those done, so a company added or removed upstream between two attempts
 * shifts nothing: a resumed read takes up exactly the companies it had not read, none twice, none
 * skipped (whose licenses R23 would otherwise take for gone). At most one page of ids.
 */
interface LicenseReadCursor {
  /** Absent until the first page of companies is in hand. */
  companies?: string;
  unread: string[];
}

/**
 * Licenses read company by company, one page per company, for vendors that list licenses per
 * customer (ESET, Sophos). Several companies are read at once, but pages come out in company
 * order, so the cursor holds. Once the caller stops (it returns, or `signal` aborts), the reads
 * under way are abandoned and those queued behind them never start: an activity that gave back
 * its cursor must not keep calling the vendor for a page it will read again.
 */
export async function* licensesByCompany(
  companies: (resumeFrom?: string, signal?: AbortSignal) => AsyncIterable<Page<UpstreamCompany>>,
  readCompany: (companyUpstreamId: string, signal: AbortSignal) => Promise<CompanyLicenses>,
  resumeFrom?: string,
  signal?: AbortSignal,
): AsyncIterable<Page<UpstreamLicense>> {
  const cursor: LicenseReadCursor = resumeFrom === undefined ? { unread: [] } : (JSON.parse(resumeFrom) as LicenseReadCursor);
  const progress: ReadProgress = { companiesRead: 0, companiesTotal: null, licensesRead: 0 };
  const slot = limiter(COMPANIES_IN_FLIGHT);
  const stopped = new AbortController();
  const reading = signal ? AbortSignal.any([signal, stopped.signal]) : stopped.signal;
  async function* readUnread(): AsyncIterable<Page<UpstreamLicense>> {
    const reads = cursor.unread.map((companyId) =>
      slot(() => {
        reading.throwIfAborted();
        return readCompany(companyId, reading);
      }),
    );
    // Awaited in order below; a later failure must not go unhandled while an earlier read is awaited.
    for (const pending of reads) pending.catch(() => undefined);
    for (const pending of reads) {
      const { licenses, gap } = await pending;
      cursor.unread.shift();
      progress.companiesRead += 1;
      progress.licensesRead += licenses.length;
      yield { items: licenses, gaps: gap ? [gap] : [], progress: { ...progress }, resumeFrom: JSON.stringify(cursor) };
    }
  }
  try {
    yield* readUnread();
    for await (const companyPage of companies(cursor.companies, reading)) {
      cursor.companies = companyPage.resumeFrom;
      cursor.unread = companyPage.items.map((company) => company.upstreamId);
      progress.companiesTotal = companyPage.progress.companiesTotal ?? progress.companiesTotal;
      yield* readUnread();
    }
  } finally {
    stopped.abort(new Error('the read of licenses stopped'));
  }
}

/**
 * R4: listing a company is not reading it. Asks, company after company, whether the vendor gives
 * that company's licenses, and stops at the first it gives; a vendor refusing every company's
 * leaves the credentials reading no company. One at a time: nothing is left asking once it stops.
 */
export async function requireOneCompanyReadable(
  companies: AsyncIterable<Page<UpstreamCompany>>,
  licensesGiven: (companyUpstreamId: string) => Promise<boolean>,
  refusal: string,
): Promise<void> {
  for await (const page of companies) {
    for (const company of page.items) {
      if (await licensesGiven(company.upstreamId)) return;
    }
  }
  throw new UpstreamNoCompanies(refusal);
}

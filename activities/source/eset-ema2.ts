// ESET MSP Administrator 2 (DESIGN §5): the companies under the account's own company and
// their licenses. Access tokens may live a minute, so the session renews them early and on 401,
// and logs in again when renewal fails; a 503 with code 99/subCode 2 is maintenance, not an error.
// A company the account has NoAccess to is a gap, whether ESET refuses its licenses or the companies
// under it; an answer that cannot be read fails the read, which Temporal retries. Either way nothing
// unread is taken for gone (R23).
import { productCodeOf } from '../../machines/lifecycle/product.js';
import { z } from 'zod';
import { upstreamInstant } from './upstream-dates.js';
import {
  upstreamStateFromEset,
  type EsetEma2Credentials,
  type UpstreamCompany,
  type UpstreamGap,
  type UpstreamLicense,
} from '../../machines/source/upstream.js';
import {
  describe,
  joinUrl,
  jsonOf,
  keptChanging,
  licensesByCompany,
  limiter,
  READS_WHILE_CHANGING,
  requireOneCompanyReadable,
  sendUpstream,
  shaped,
  unexpectedStatus,
  UpstreamAuthFailed,
  UpstreamNoCompanies,
  UpstreamUnavailable,
  type CompanyLicenses,
  type Connector,
  type Page,
  type UpstreamRequest,
} from './connector.js';

/** EMA2 answers at most 100 rows a page. */
const PAGE_SIZE = 100;
/** License/Detail is one call per license: this many in flight across the whole read. */
const DETAILS_IN_FLIGHT = 8;
/** Company/Children calls asked for ahead of the walk. */
const CHILDREN_LOOKAHEAD = 8;
/** Renew this long before a token expires, at most a fifth of its life: a one-minute token renews at 48 s. */
const LONGEST_RENEWAL_MARGIN_MS = 30_000;
/** EMA2 has one console for every company of the account. */
const CONSOLE_URL = 'https://msp.eset.com/';

const tokenAnswer = z.object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number().positive().optional() });
const currentUser = z.object({ company: z.object({ companyId: z.string() }) });
const childrenAnswer = z.object({
  companies: z.array(z.object({ publicId: z.string(), name: z.string(), email: z.string().nullish() })),
  totalCount: z.number().int().nonnegative(),
});
type ChildrenPage = z.infer<typeof childrenAnswer>;
const searchAnswer = z.object({ search: z.array(z.object({ publicLicenseKey: z.string() })), totalCount: z.number().int().nonnegative() });
type SearchPage = z.infer<typeof searchAnswer>;
const licenseDetail = z.object({
  publicLicenseKey: z.string(),
  customerId: z.string(),
  productCode: z.union([z.string(), z.number()]).transform(String),
  // Documented as always there, yet one odd license answered without them must not fail the
  // whole source: each has a reading that keeps the license (see licenseFromDetail).
  productName: z.string().nullish(),
  quantity: z.number().int().nonnegative().nullish(),
  usage: z.number().int().nonnegative().nullish(),
  state: z.number().int(),
  trial: z.boolean().nullish(),
  trialExpiration: upstreamInstant.nullish(),
  expirationDate: upstreamInstant.nullish(),
});
type LicenseDetail = z.infer<typeof licenseDetail>;

/** EMA2's own error body; code 99 with subCode 2 is its maintenance answer. */
const errorAnswer = z.object({ code: z.number(), subCode: z.number().optional() });

/**
 * Where a depth-first company walk stands: one level per company on the way down from the
 * account's own company (the root, whose children are top-level companies) to the one being read.
 * It is the cursor a staging activity heartbeats, so it holds at most one page of companies per
 * level of the tree, however many companies the account has (the pages already read are staged).
 */
type CompanyWalk = WalkLevel[];

interface WalkLevel {
  companyId: string;
  /** Where the next page of its children starts; null once every page is read. */
  nextSkip: number | null;
  /** Children of the page last read whose own children are still to read, in order. */
  unwalked: string[];
  /** The children's totalCount as this read of them began, and which read it is (READS_WHILE_CHANGING). */
  totalCount?: number;
  reads?: number;
}

export class EsetEma2Connector implements Connector {
  private readonly session: EsetSession;
  private readonly detailSlot = limiter(DETAILS_IN_FLIGHT);

  constructor(
    private readonly baseUrl: string,
    credentials: EsetEma2Credentials,
  ) {
    this.session = new EsetSession(baseUrl, credentials);
  }

  async verify(): Promise<{ companiesReadable: number }> {
    const page = await this.children(await this.rootCompanyId(), 0, 1);
    if (page === null) throw ownCompanyRefused();
    if (page.totalCount === 0) throw new UpstreamNoCompanies('R4: the ESET account reads no company under its own');
    await requireOneCompanyReadable(
      this.companies(),
      async (companyId) => (await this.searchLicenses(companyId, 0, 1)) !== null,
      'R4: ESET MSP Administrator lists companies under the account, but refuses the licenses of every one (NoAccess)',
    );
    return { companiesReadable: page.totalCount };
  }

  /**
   * Every company below the account's own, parents before their sites, read depth first. A company
   * whose children ESET refuses is a gap standing for its whole subtree (R4: the rest is read).
   */
  async *companies(resumeFrom?: string, signal?: AbortSignal): AsyncIterable<Page<UpstreamCompany>> {
    const walk: CompanyWalk = resumeFrom === undefined ? [{ companyId: await this.rootCompanyId(signal), nextSkip: 0, unwalked: [] }] : (JSON.parse(resumeFrom) as CompanyWalk);
    let companiesRead = 0;
    let companiesTotal: number | null = null;
    const progress = () => ({ companiesRead, companiesTotal, licensesRead: 0 });
    // Most companies have no sites, so the walk is one Children call per company: the first pages
    // of the next siblings are asked for early, and still taken in walk order, so the cursor holds.
    const early = new Map<string, Promise<ChildrenPage | null>>();
    while (walk.length > 0) {
      const level = walk.at(-1)!;
      const child = level.unwalked.shift();
      if (child !== undefined) {
        walk.push({ companyId: child, nextSkip: 0, unwalked: [] });
        continue;
      }
      if (level.nextSkip === null) {
        walk.pop();
        continue;
      }
      for (const upcoming of walk.at(-2)?.unwalked.slice(0, CHILDREN_LOOKAHEAD) ?? []) {
        if (early.has(upcoming)) continue;
        const firstPage = this.children(upcoming, 0, PAGE_SIZE, signal);
        firstPage.catch(() => undefined);
        early.set(upcoming, firstPage);
      }
      const asked = level.nextSkip === 0 ? early.get(level.companyId) : undefined;
      early.delete(level.companyId);
      const page = await (asked ?? this.children(level.companyId, level.nextSkip, PAGE_SIZE, signal));
      const isRoot = walk.length === 1;
      if (page === null) {
        // Without its own company the account reaches no company at all (R4); below a company, the rest is read.
        if (isRoot) throw ownCompanyRefused();
        walk.pop();
        yield { items: [], gaps: [companiesUnderRefused(level.companyId)], progress: progress(), resumeFrom: JSON.stringify(walk) };
        continue;
      }
      if (level.totalCount !== undefined && page.totalCount !== level.totalCount) {
        // Its children changed between two pages: read them again from the first (those read twice are staged once).
        const reads = (level.reads ?? 1) + 1;
        if (reads > READS_WHILE_CHANGING) throw keptChanging('POST /Company/Children', 'totalCount');
        Object.assign(level, { nextSkip: 0, totalCount: undefined, reads });
        continue;
      }
      level.totalCount ??= page.totalCount;
      // Only the top level's count is known without walking everything; it is the useful one.
      if (isRoot) companiesTotal ??= page.totalCount;
      const read = level.nextSkip + page.companies.length;
      if (read < page.totalCount && page.companies.length === 0) throw rowsMissing('/Company/Children', read, page.totalCount);
      level.nextSkip = read < page.totalCount ? read : null;
      level.unwalked = page.companies.map((company) => company.publicId);
      if (page.companies.length === 0) continue;
      const items = page.companies.map((company): UpstreamCompany => ({
        upstreamId: company.publicId,
        name: company.name,
        parentUpstreamId: isRoot ? null : level.companyId,
        consoleUrl: CONSOLE_URL,
        contactEmail: company.email ?? null,
      }));
      companiesRead += items.length;
      yield { items, gaps: [], progress: progress(), resumeFrom: JSON.stringify(walk) };
    }
  }

  licenses(resumeFrom?: string, signal?: AbortSignal): AsyncIterable<Page<UpstreamLicense>> {
    return licensesByCompany((from, reading) => this.companies(from, reading), (companyId, reading) => this.licensesOf(companyId, reading), resumeFrom, signal);
  }

  /** Once `signal` aborts (reading stopped), the calls under way are abandoned and the details queued behind them never sent. */
  private async licensesOf(companyId: string, signal: AbortSignal): Promise<CompanyLicenses> {
    const keys = await this.licenseKeys(companyId, signal);
    // EMA2 lets a user see a company it has NoAccess to: that company's licenses are unread, not gone (R23).
    if (keys === null) return { licenses: [], gap: noAccessTo(companyId) };
    const details = await Promise.all(
      keys.map((key) =>
        this.detailSlot(() => {
          signal.throwIfAborted();
          return this.detail(key, signal);
        }),
      ),
    );
    // The account lost its access to the company after the search: its licenses are unread, not refused credentials (R4, R23).
    if (details.includes(NO_ACCESS)) return { licenses: [], gap: noAccessTo(companyId) };
    const licenses = details.filter((detail): detail is LicenseDetail => detail !== null && detail !== NO_ACCESS).map(licenseFromDetail);
    return { licenses, gap: null };
  }

  /**
   * The keys of a company's licenses, page by page; null when the account has no access to it. A
   * search whose totalCount changes while it is read is read again from its start (READS_WHILE_CHANGING).
   */
  private async licenseKeys(companyId: string, signal: AbortSignal): Promise<string[] | null> {
    for (let read = 1; read <= READS_WHILE_CHANGING; read++) {
      const keys: string[] = [];
      let totalCount: number | undefined;
      for (let skip = 0; ; ) {
        const page = await this.searchLicenses(companyId, skip, PAGE_SIZE, signal);
        if (page === null) return null;
        if (totalCount !== undefined && page.totalCount !== totalCount) break;
        totalCount = page.totalCount;
        keys.push(...page.search.map((found) => found.publicLicenseKey));
        skip += page.search.length;
        if (skip >= page.totalCount) return keys;
        if (page.search.length === 0) throw rowsMissing('/Search/Licenses', skip, page.totalCount);
      }
    }
    throw keptChanging('POST /Search/Licenses', 'totalCount');
  }

  /** Null when the account has NoAccess to the company. */
  private searchLicenses(companyId: string, skip: number, take: number, signal?: AbortSignal): Promise<SearchPage | null> {
    return this.post(searchAnswer, '/Search/Licenses', { keyword: '', customerId: companyId, skip, take }, { 403: null }, signal);
  }

  /** Null when the license vanished between the search and its detail: it is simply gone. NO_ACCESS when its company's access went. */
  private detail(publicLicenseKey: string, signal: AbortSignal): Promise<LicenseDetail | null | typeof NO_ACCESS> {
    return this.post(licenseDetail, '/License/Detail', { publicLicenseKey }, { 403: NO_ACCESS, 404: null }, signal);
  }

  private async rootCompanyId(signal?: AbortSignal): Promise<string> {
    const user = await this.call(currentUser, { method: 'GET', url: joinUrl(this.baseUrl, '/User/Current'), signal });
    return user.company.companyId;
  }

  /** Null when the account has NoAccess to the company: ESET refuses to list what is under it. */
  private children(companyId: string, skip: number, take: number, signal?: AbortSignal): Promise<ChildrenPage | null> {
    return this.post(childrenAnswer, '/Company/Children', { companyId, skip, take }, { 403: null }, signal);
  }

  private post<Shape, Instead = never>(schema: z.ZodType<Shape>, path: string, body: object, instead: AnswerInstead<Instead>, signal?: AbortSignal): Promise<Shape | Instead> {
    return this.call(schema, { method: 'POST', url: joinUrl(this.baseUrl, path), headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal }, instead);
  }

  /**
   * One authorised call; a 401 renews the session (or logs in again) and tries once more. The
   * session is every caller's, so its token calls do not take one caller's signal.
   */
  private async call<Shape, Instead = never>(schema: z.ZodType<Shape>, request: UpstreamRequest, instead: AnswerInstead<Instead> = {}): Promise<Shape | Instead> {
    let accessToken = await this.session.accessToken();
    for (let attempt = 1; ; attempt++) {
      const response = await sendUpstream({ ...request, headers: { ...request.headers, authorization: `Bearer ${accessToken}` } });
      if (response.ok) return shaped(schema, await jsonOf(response, request), request);
      if (response.status === 401 && attempt === 1) {
        await response.body?.cancel();
        accessToken = await this.session.rejected(accessToken);
        continue;
      }
      const status = response.status;
      if ((status === 403 || status === 404) && status in instead) {
        await response.body?.cancel();
        return instead[status] as Instead;
      }
      throw await esetFailure(response, request);
    }
  }
}

/** What a call answers instead of failing, by status: 404 when a license is gone, 403 when the account has NoAccess to a company. */
type AnswerInstead<Instead> = Partial<Record<403 | 404, Instead>>;

/** License/Detail refused: the account's access to the license's company went after the search. */
const NO_ACCESS = 'no_access';

function noAccessTo(companyId: string): UpstreamGap {
  return { companyUpstreamId: companyId, reason: 'access_denied', detail: "ESET MSP Administrator refuses to list this company's licenses: the account has no access to it" };
}

function companiesUnderRefused(companyId: string): UpstreamGap {
  return {
    companyUpstreamId: companyId,
    reason: 'access_denied',
    detail: 'ESET MSP Administrator refuses to list the companies under this one: the account has no access to it',
    subtreeUnread: true,
  };
}

/**
 * R4: refused its own company, the account has no way to the companies it may read: EMA2 lists
 * companies only under a parent. No retry changes that; its access rights must.
 */
function ownCompanyRefused(): UpstreamNoCompanies {
  return new UpstreamNoCompanies("R4: ESET MSP Administrator refuses to list the companies under the account's own company (NoAccess), so the account reaches no company to read");
}

/** A page empty before totalCount is reached: rows went missing upstream, so the rest is unread, not gone (R23). */
function rowsMissing(path: string, skip: number, totalCount: number): UpstreamUnavailable {
  return new UpstreamUnavailable('invalid_response', `POST ${path} answered no rows at skip ${skip} while its totalCount is ${totalCount}`);
}

function licenseFromDetail(detail: LicenseDetail): UpstreamLicense {
  const trial = detail.trial ?? false;
  return {
    upstreamId: detail.publicLicenseKey,
    companyUpstreamId: detail.customerId,
    product: productCodeOf(detail.productCode),
    productName: detail.productName ?? detail.productCode,
    seats: detail.quantity ?? null,
    seatsUsed: detail.usage ?? 0,
    // EMA2 bills MSP licenses monthly on usage; only trials carry their own end.
    term: trial ? 'trial' : 'monthly',
    expiresAt: (trial ? detail.trialExpiration : detail.expirationDate) ?? null,
    // EMA2 knows no license without limit: one answered without its quantity has seats nobody can
    // tell, neither zero nor unlimited. `error` keeps the seats read before, as for Sophos.
    upstreamState: detail.quantity == null ? 'error' : upstreamStateFromEset(detail.state),
    // A license in EMA2 is the MSP's, used by its customer.
    owner: 'partner',
    poolUpstreamId: null,
  };
}

/** What an EMA2 failure means: maintenance, refused credentials, or a server error. */
async function esetFailure(response: Response, request: UpstreamRequest): Promise<Error> {
  const body = errorAnswer.safeParse(await response.json().catch(() => null));
  if (response.status === 503 && body.success && body.data.code === 99 && body.data.subCode === 2) {
    return new UpstreamUnavailable('maintenance', `ESET MSP Administrator is in maintenance (${describe(request)})`);
  }
  if (response.status === 401 || response.status === 403) return new UpstreamAuthFailed(`ESET MSP Administrator refused the credentials (${describe(request)} answered ${response.status})`);
  return unexpectedStatus(response, request);
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** When to renew before using the token again; null when neither the answer nor the token says when it expires. */
  renewAt: number | null;
}

/** The account's tokens, renewed once for all concurrent callers. */
class EsetSession {
  private tokens: Tokens | null = null;
  private refreshing: Promise<Tokens> | null = null;

  constructor(
    private readonly baseUrl: string,
    private readonly credentials: EsetEma2Credentials,
  ) {}

  async accessToken(): Promise<string> {
    const tokens = this.tokens;
    if (tokens !== null && (tokens.renewAt === null || Date.now() < tokens.renewAt)) return tokens.accessToken;
    return (await this.refresh()).accessToken;
  }

  /** After a 401 on `accessToken`: renew, unless another caller already did. */
  async rejected(accessToken: string): Promise<string> {
    if (this.tokens !== null && this.tokens.accessToken !== accessToken) return this.tokens.accessToken;
    if (this.tokens?.accessToken === accessToken) this.tokens.renewAt = 0;
    return (await this.refresh()).accessToken;
  }

  private refresh(): Promise<Tokens> {
    const stale = this.tokens;
    this.refreshing ??= (stale === null ? this.logIn() : this.renew(stale))
      .then((tokens) => (this.tokens = tokens))
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /**
   * Token/Renew is itself an authorised call: it takes the session's access token, expired or
   * not, beside the refresh token. A renewal that fails is no reason to fail the read: whatever
   * EMA2 answers (refused, 400, a 5xx, tokens without a refresh token), a new login is the cure.
   * Only maintenance, and an unreachable host (thrown by sendUpstream), would fail the login too.
   */
  private async renew(stale: Tokens): Promise<Tokens> {
    const request = this.tokenRequest('/Token/Renew', { refreshToken: stale.refreshToken }, stale.accessToken);
    const response = await sendUpstream(request);
    if (response.ok) {
      const renewed = tokenAnswer.safeParse(await response.json().catch(() => null));
      if (renewed.success) return tokensOf(renewed.data);
    } else {
      const failure = await esetFailure(response, request);
      if (failure instanceof UpstreamUnavailable && failure.reason === 'maintenance') throw failure;
    }
    return this.logIn();
  }

  private async logIn(): Promise<Tokens> {
    const request = this.tokenRequest('/Token/Get', { username: this.credentials.username, password: this.credentials.password });
    const response = await sendUpstream(request);
    if (response.ok) return tokensOf(shaped(tokenAnswer, await jsonOf(response, request), request));
    if (response.status === 400) {
      await response.body?.cancel();
      throw new UpstreamAuthFailed(`ESET MSP Administrator refused the credentials (${describe(request)} answered 400)`);
    }
    throw await esetFailure(response, request);
  }

  private tokenRequest(path: string, body: object, accessToken?: string): UpstreamRequest {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (accessToken !== undefined) headers.authorization = `Bearer ${accessToken}`;
    return { method: 'POST', url: joinUrl(this.baseUrl, path), headers, body: JSON.stringify(body) };
  }
}

function tokensOf({ accessToken, refreshToken, expiresIn }: z.infer<typeof tokenAnswer>): Tokens {
  const expiresAt = expiresIn !== undefined ? Date.now() + expiresIn * 1000 : jwtExpiry(accessToken);
  if (expiresAt === null) return { accessToken, refreshToken, renewAt: null };
  const lifetime = Math.max(0, expiresAt - Date.now());
  return { accessToken, refreshToken, renewAt: expiresAt - Math.min(LONGEST_RENEWAL_MARGIN_MS, lifetime / 5) };
}

/** The `exp` claim of a JWT access token, in ms; null for an opaque token. */
function jwtExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

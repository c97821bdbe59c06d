// Sophos Central Partner (DESIGN §5): the partner's tenants are its companies, and each tenant's
// licenses are read from the Licensing API on the global host with X-Tenant-ID (Sophos's regional
// hosts answer 404 for it), so a trial tenant not yet placed in a region is read like any other.
// A tenant the partner may not assist (403), or removed since it was listed (404), is a gap, not
// a failed sync.
//
// One setting, `baseUrl`, locates everything, as Sophos itself does from one starting point:
// - `baseUrl` is the Central API host that answers `GET /whoami/v1` (https://api.central.sophos.com);
// - the OAuth2 token endpoint is https://id.sophos.com for that public host, and `baseUrl` itself
//   for any other (a fake, a proxy), which then serves `POST /api/v2/oauth2/token`;
// - the tenants list and the licenses live on whoami's `apiHosts.global`. A fake may name a host
//   of its own there (used as it is), or Sophos's documented one: behind a `baseUrl` that is not
//   Sophos's, a host under central.sophos.com is reached through `baseUrl` instead.
import { productCodeOf } from '../../machines/lifecycle/product.js';
import { z } from 'zod';
import { upstreamLastDay } from './upstream-dates.js';
import type { LicenseTerm, SophosPartnerCredentials, UpstreamCompany, UpstreamLicense } from '../../machines/source/upstream.js';
import {
  describe,
  joinUrl,
  jsonOf,
  keptChanging,
  licensesByCompany,
  READS_WHILE_CHANGING,
  requireOneCompanyReadable,
  sendUpstream,
  shaped,
  unexpectedStatus,
  UpstreamAuthFailed,
  UpstreamNoCompanies,
  type CompanyLicenses,
  type Connector,
  type Page,
  type UpstreamRequest,
} from './connector.js';

const PUBLIC_API_HOST = 'api.central.sophos.com';
/** Sophos's API hosts, global and regional (api.central.sophos.com, api-eu01.central.sophos.com). */
const SOPHOS_HOSTS_DOMAIN = 'central.sophos.com';
const PUBLIC_IDENTITY_URL = 'https://id.sophos.com';
/** Sophos pages tenants by at most 100. */
const PAGE_SIZE = 100;
/** Ask for a new token this long before the hour is up, at most a fifth of its life. */
const LONGEST_RENEWAL_MARGIN_MS = 5 * 60_000;
/** Where a partner opens each customer's Sophos Central Admin (seed 003 "Ouvrir Sophos Central Admin"). */
const CONSOLE_URL = 'https://central.sophos.com/manage/partner';

const tokenAnswer = z.object({ access_token: z.string(), expires_in: z.number().positive() });
const whoamiAnswer = z.object({ id: z.string(), idType: z.string(), apiHosts: z.object({ global: z.string().url() }) });
const tenant = z.object({
  id: z.string(),
  name: z.string(),
  showAs: z.string().nullish(),
  billingType: z.string().nullish(),
  contact: z.object({ email: z.string().nullish() }).nullish(),
});
type Tenant = z.infer<typeof tenant>;
const tenantsAnswer = z.object({
  items: z.array(tenant),
  pages: z.object({ current: z.number().int(), total: z.number().int().nonnegative().optional(), items: z.number().int().nonnegative().optional() }),
});
const licensesAnswer = z.object({
  licenses: z.array(
    z.object({
      id: z.string(),
      licenseIdentifier: z.string().nullish(),
      product: z.object({ code: z.string(), name: z.string().nullish() }),
      endDate: upstreamLastDay.nullish(),
      perpetual: z.boolean().nullish(),
      type: z.string().nullish(),
      quantity: z.number().int().nonnegative().nullish(),
      unlimited: z.boolean().nullish(),
      usage: z.object({ current: z.object({ count: z.number().int().nonnegative().nullish() }).nullish() }).nullish(),
    }),
  ),
});
type SophosLicense = z.infer<typeof licensesAnswer>['licenses'][number];

interface Partner {
  id: string;
  globalHost: string;
}

/** Where a walk of the tenants stands: the next page, the count this read began with, and which read it is (READS_WHILE_CHANGING). */
interface TenantWalk {
  page: number;
  tenants?: number;
  reads?: number;
}

export class SophosPartnerConnector implements Connector {
  private token: { value: string; renewAt: number } | null = null;
  private partner: Partner | null = null;
  /** Tenants as last listed, so a tenant's licenses are read with its billing type. */
  private readonly tenants = new Map<string, Tenant>();

  constructor(
    private readonly baseUrl: string,
    private readonly credentials: SophosPartnerCredentials,
  ) {}

  async verify(): Promise<{ companiesReadable: number }> {
    const first = await this.tenantsPage(1);
    const readable = first.pages.items ?? first.items.length;
    if (readable === 0) throw new UpstreamNoCompanies('R4: the Sophos partner reads no tenant');
    await requireOneCompanyReadable(
      this.companies(),
      async (tenantId) => (await this.licensesOf(tenantId)).gap === null,
      'R4: Sophos lists tenants for the partner, but refuses to read every one (partner assistance is off)',
    );
    return { companiesReadable: readable };
  }

  /**
   * Tenants page by page; a walk whose tenant count (`pages.items`) changes between two pages is
   * walked again from the first (READS_WHILE_CHANGING). Tenants listed twice are staged once.
   */
  async *companies(resumeFrom?: string, signal?: AbortSignal): AsyncIterable<Page<UpstreamCompany>> {
    const cursor: TenantWalk = resumeFrom === undefined ? { page: 1 } : (JSON.parse(resumeFrom) as TenantWalk);
    let companiesRead = 0;
    for (;;) {
      const answer = await this.tenantsPage(cursor.page, signal);
      if (cursor.tenants !== undefined && answer.pages.items !== undefined && answer.pages.items !== cursor.tenants) {
        const reads = (cursor.reads ?? 1) + 1;
        if (reads > READS_WHILE_CHANGING) throw keptChanging('GET /partner/v1/tenants', 'pages.items');
        Object.assign(cursor, { page: 1, tenants: undefined, reads });
        continue;
      }
      cursor.tenants ??= answer.pages.items;
      for (const item of answer.items) this.tenants.set(item.id, item);
      companiesRead += answer.items.length;
      const last = answer.items.length === 0 || (answer.pages.total !== undefined && cursor.page >= answer.pages.total);
      cursor.page += 1;
      if (answer.items.length > 0) {
        yield {
          items: answer.items.map(companyOf),
          gaps: [],
          progress: { companiesRead, companiesTotal: answer.pages.items ?? null, licensesRead: 0 },
          resumeFrom: JSON.stringify(cursor),
        };
      }
      if (last) return;
    }
  }

  licenses(resumeFrom?: string, signal?: AbortSignal): AsyncIterable<Page<UpstreamLicense>> {
    return licensesByCompany((from, reading) => this.companies(from, reading), (tenantId, reading) => this.licensesOf(tenantId, reading), resumeFrom, signal);
  }

  private async licensesOf(tenantId: string, signal?: AbortSignal): Promise<CompanyLicenses> {
    const partner = await this.whoami(signal);
    const request: UpstreamRequest = { method: 'GET', url: joinUrl(partner.globalHost, '/licenses/v1/licenses'), headers: { 'x-tenant-id': tenantId }, signal };
    const response = await this.authorised(request);
    if (response.status === 403) {
      await response.body?.cancel();
      return { licenses: [], gap: { companyUpstreamId: tenantId, reason: 'access_denied', detail: 'Sophos refuses to read this tenant: partner assistance is off for it' } };
    }
    // A 404 on a listed tenant's licenses is a gap only when the tenant is gone: for one Sophos
    // still has, it is a wrong host or path, which must fail the read rather than pass every tenant off as a gap.
    if (response.status === 404) {
      await response.body?.cancel();
      if ((await this.tenant(tenantId, signal)) !== null) throw unexpectedStatus(response, request);
      return tenantGone(tenantId);
    }
    if (!response.ok) throw await sophosFailure(response, request);
    const { licenses } = shaped(licensesAnswer, await jsonOf(response, request), request);
    // A read resumed by a later call starts with tenants of a page it did not list itself.
    const listed = this.tenants.get(tenantId) ?? (await this.tenant(tenantId, signal));
    if (listed === null) return tenantGone(tenantId);
    return { licenses: licenses.map((license) => licenseOf(license, listed)), gap: null };
  }

  /** The tenant as Sophos has it now; null once it is gone. */
  private async tenant(tenantId: string, signal?: AbortSignal): Promise<Tenant | null> {
    const partner = await this.whoami(signal);
    const request: UpstreamRequest = { method: 'GET', url: joinUrl(partner.globalHost, `/partner/v1/tenants/${encodeURIComponent(tenantId)}`), headers: { 'x-partner-id': partner.id }, signal };
    const response = await this.authorised(request);
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) throw await sophosFailure(response, request);
    const found = shaped(tenant, await jsonOf(response, request), request);
    this.tenants.set(found.id, found);
    return found;
  }

  private async tenantsPage(page: number, signal?: AbortSignal) {
    const partner = await this.whoami(signal);
    const query = new URLSearchParams({ pageTotal: 'true', page: String(page), pageSize: String(PAGE_SIZE) });
    const request: UpstreamRequest = { method: 'GET', url: `${joinUrl(partner.globalHost, '/partner/v1/tenants')}?${query}`, headers: { 'x-partner-id': partner.id }, signal };
    return shaped(tenantsAnswer, await this.read(request), request);
  }

  private async whoami(signal?: AbortSignal): Promise<Partner> {
    if (this.partner !== null) return this.partner;
    const request: UpstreamRequest = { method: 'GET', url: joinUrl(this.baseUrl, '/whoami/v1'), signal };
    const answer = shaped(whoamiAnswer, await this.read(request), request);
    if (answer.idType !== 'partner') throw new UpstreamAuthFailed(`These Sophos credentials belong to a ${answer.idType}, not a partner`);
    this.partner = { id: answer.id, globalHost: reachable(answer.apiHosts.global, this.baseUrl) };
    return this.partner;
  }

  private async read(request: UpstreamRequest): Promise<unknown> {
    const response = await this.authorised(request);
    if (!response.ok) throw await sophosFailure(response, request);
    return jsonOf(response, request);
  }

  /** Sends with the bearer token; a 401 (the token expired early or was revoked) gets one new token and one retry. */
  private async authorised(request: UpstreamRequest): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken(attempt > 1, request.signal);
      const response = await sendUpstream({ ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } });
      if (response.status !== 401 || attempt > 1) return response;
      await response.body?.cancel();
    }
  }

  /** Client credentials have no refresh token: a new token is simply asked for again. */
  private async accessToken(renew: boolean, signal: AbortSignal | undefined): Promise<string> {
    if (!renew && this.token !== null && Date.now() < this.token.renewAt) return this.token.value;
    const request: UpstreamRequest = {
      method: 'POST',
      url: joinUrl(identityUrl(this.baseUrl), '/api/v2/oauth2/token'),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.credentials.clientId, client_secret: this.credentials.clientSecret, scope: 'token' }).toString(),
      signal,
    };
    const response = await sendUpstream(request);
    if (response.status === 400 || response.status === 401) {
      await response.body?.cancel();
      throw new UpstreamAuthFailed(`Sophos refused the client credentials (${describe(request)} answered ${response.status})`);
    }
    if (!response.ok) throw await sophosFailure(response, request);
    const answer = shaped(tokenAnswer, await jsonOf(response, request), request);
    const lifetimeMs = answer.expires_in * 1000;
    this.token = { value: answer.access_token, renewAt: Date.now() + lifetimeMs - Math.min(LONGEST_RENEWAL_MARGIN_MS, lifetimeMs / 5) };
    return this.token.value;
  }
}

function identityUrl(baseUrl: string): string {
  return isPublicSophos(baseUrl) ? PUBLIC_IDENTITY_URL : baseUrl;
}

function isPublicSophos(baseUrl: string): boolean {
  return new URL(baseUrl).hostname === PUBLIC_API_HOST;
}

/**
 * A host Sophos named, as this source reaches it. Behind a `baseUrl` that is not Sophos's own (a
 * fake or a proxy answering with Sophos's documented hosts), a Sophos host is reached through
 * `baseUrl`, keeping any path it has; a host named elsewhere (a fake's own URL) is used as it is.
 */
function reachable(host: string, baseUrl: string): string {
  const named = new URL(host);
  const sophosHost = named.hostname === SOPHOS_HOSTS_DOMAIN || named.hostname.endsWith(`.${SOPHOS_HOSTS_DOMAIN}`);
  if (isPublicSophos(baseUrl) || !sophosHost) return host;
  return joinUrl(baseUrl, named.pathname);
}

function tenantGone(tenantId: string): CompanyLicenses {
  return { licenses: [], gap: { companyUpstreamId: tenantId, reason: 'company_gone', detail: 'Sophos no longer knows this tenant: it was removed after it was listed' } };
}

function companyOf(item: Tenant): UpstreamCompany {
  return { upstreamId: item.id, name: item.showAs ?? item.name, parentUpstreamId: null, consoleUrl: CONSOLE_URL, contactEmail: item.contact?.email ?? null };
}

function licenseOf(license: SophosLicense, owner: Tenant): UpstreamLicense {
  // A limited license Sophos sends without its quantity has seats nobody can tell: 0 would read
  // as every device over-using it. `error` keeps the seats read before (machines/source/upstream.ts).
  const seatsUntold = !license.unlimited && license.quantity == null;
  return {
    upstreamId: license.id,
    companyUpstreamId: owner.id,
    product: productCodeOf(license.product.code),
    productName: license.product.name ?? license.product.code,
    seats: license.unlimited ? null : (license.quantity ?? null),
    // Usage Sophos does not report counts no device.
    seatsUsed: license.usage?.current?.count ?? 0,
    term: termOf(license.type ?? owner.billingType),
    expiresAt: license.perpetual ? null : (license.endDate ?? null),
    // Otherwise Sophos gives no standing beside the dates; the machine derives expiry from them.
    upstreamState: seatsUntold ? 'error' : 'normal',
    // Seed 003: MSP Flex (usage-billed) tenants use the partner's licenses; others hold their own.
    owner: owner.billingType === 'usage' ? 'partner' : 'customer',
    poolUpstreamId: null,
  };
}

/** Sophos license and billing types: trial, usage (monthly, MSP Flex), term and the rest (yearly). */
function termOf(type: string | null | undefined): LicenseTerm {
  if (type === 'trial') return 'trial';
  if (type === 'usage') return 'monthly';
  return 'annual';
}

async function sophosFailure(response: Response, request: UpstreamRequest): Promise<Error> {
  await response.body?.cancel();
  if (response.status === 401 || response.status === 403) return new UpstreamAuthFailed(`Sophos refused the partner (${describe(request)} answered ${response.status})`);
  return unexpectedStatus(response, request);
}

// Sophos Central Partner (DESIGN §5): the partner's tenants are its companies, each tenant's
// licenses are read on the tenant's own API host. A tenant the partner may not assist (403) or
// that has no API host yet (a fresh trial) is a gap, not a failed sync.
//
// One setting, `baseUrl`, locates everything, as Sophos itself does from one starting point:
// - `baseUrl` is the Central API host that answers `GET /whoami/v1` (https://api.central.sophos.com);
// - the OAuth2 token endpoint is https://id.sophos.com for that public host, and `baseUrl` itself
//   for any other (a fake, a proxy), which then serves `POST /api/v2/oauth2/token`;
// - the tenants list lives on whoami's `apiHosts.global`, each tenant's licenses on its `apiHost`,
//   both as Sophos answers them, so a fake points them back at itself (under distinct paths, so a
//   test proves each call went to the host Sophos named).
import { productCodeOf } from '../../machines/lifecycle/product.js';
import { z } from 'zod';
import type { LicenseTerm, SophosPartnerCredentials, UpstreamCompany, UpstreamLicense } from '../../machines/source/upstream.js';
import {
  describe,
  joinUrl,
  jsonOf,
  licensesByCompany,
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
const PUBLIC_IDENTITY_URL = 'https://id.sophos.com';
/** Sophos pages tenants by at most 100. */
const PAGE_SIZE = 100;
/** Ask for a new token this long before the hour is up, at most a fifth of its life. */
const LONGEST_RENEWAL_MARGIN_MS = 5 * 60_000;
/** Where a partner opens each customer's Sophos Central Admin (seed 003 "Ouvrir Sophos Central Admin"). */
const CONSOLE_URL = 'https://central.sophos.com/manage/partner';

const tokenAnswer = z.object({ access_token: z.string(), expires_in: z.number().positive() });
const whoamiAnswer = z.object({ id: z.string(), idType: z.string(), apiHosts: z.object({ global: z.string() }) });
const tenant = z.object({
  id: z.string(),
  name: z.string(),
  showAs: z.string().nullish(),
  billingType: z.string().nullish(),
  apiHost: z.string().nullish(),
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
      endDate: z.string().nullish(),
      perpetual: z.boolean().nullish(),
      type: z.string().nullish(),
      quantity: z.number().int().nonnegative().nullish(),
      unlimited: z.boolean().nullish(),
      usage: z.object({ current: z.object({ count: z.number().int().nonnegative() }).nullish() }).nullish(),
    }),
  ),
});
type SophosLicense = z.infer<typeof licensesAnswer>['licenses'][number];

interface Partner {
  id: string;
  globalHost: string;
}

export class SophosPartnerConnector implements Connector {
  private token: { value: string; renewAt: number } | null = null;
  private partner: Partner | null = null;
  /** Tenants as last listed, so a tenant's licenses are read with its apiHost and billing type. */
  private readonly tenants = new Map<string, Tenant>();

  constructor(
    private readonly baseUrl: string,
    private readonly credentials: SophosPartnerCredentials,
  ) {}

  async verify(): Promise<{ companiesReadable: number }> {
    const first = await this.tenantsPage(1);
    const readable = first.pages.items ?? first.items.length;
    if (readable === 0) throw new UpstreamNoCompanies('R4: the Sophos partner reads no tenant');
    return { companiesReadable: readable };
  }

  async *companies(resumeFrom?: string): AsyncIterable<Page<UpstreamCompany>> {
    let page = resumeFrom === undefined ? 1 : (JSON.parse(resumeFrom) as { page: number }).page;
    let companiesRead = 0;
    for (;;) {
      const answer = await this.tenantsPage(page);
      for (const item of answer.items) this.tenants.set(item.id, item);
      companiesRead += answer.items.length;
      const last = answer.items.length === 0 || (answer.pages.total !== undefined && page >= answer.pages.total);
      page += 1;
      if (answer.items.length > 0) {
        yield {
          items: answer.items.map(companyOf),
          gaps: [],
          progress: { companiesRead, companiesTotal: answer.pages.items ?? null, licensesRead: 0 },
          resumeFrom: JSON.stringify({ page }),
        };
      }
      if (last) return;
    }
  }

  licenses(resumeFrom?: string): AsyncIterable<Page<UpstreamLicense>> {
    return licensesByCompany((from) => this.companies(from), (company) => this.licensesOf(company.upstreamId), resumeFrom);
  }

  private async licensesOf(tenantId: string): Promise<CompanyLicenses> {
    const listed = this.tenants.get(tenantId);
    if (!listed?.apiHost) {
      return { licenses: [], gap: { companyUpstreamId: tenantId, reason: 'no_license_host', detail: 'Sophos has not placed this tenant in a data region yet (no apiHost)' } };
    }
    const request: UpstreamRequest = { method: 'GET', url: joinUrl(listed.apiHost, '/licenses/v1/licenses'), headers: { 'x-tenant-id': tenantId } };
    const response = await this.authorised(request);
    if (response.status === 403) {
      await response.body?.cancel();
      return { licenses: [], gap: { companyUpstreamId: tenantId, reason: 'access_denied', detail: 'Sophos refuses to read this tenant: partner assistance is off for it' } };
    }
    if (!response.ok) throw await sophosFailure(response, request);
    const { licenses } = shaped(licensesAnswer, await jsonOf(response, request), request);
    return { licenses: licenses.map((license) => licenseOf(license, listed)), gap: null };
  }

  private async tenantsPage(page: number) {
    const partner = await this.whoami();
    const query = new URLSearchParams({ pageTotal: 'true', page: String(page), pageSize: String(PAGE_SIZE) });
    const request: UpstreamRequest = { method: 'GET', url: `${joinUrl(partner.globalHost, '/partner/v1/tenants')}?${query}`, headers: { 'x-partner-id': partner.id } };
    return shaped(tenantsAnswer, await this.read(request), request);
  }

  private async whoami(): Promise<Partner> {
    if (this.partner !== null) return this.partner;
    const request: UpstreamRequest = { method: 'GET', url: joinUrl(this.baseUrl, '/whoami/v1') };
    const answer = shaped(whoamiAnswer, await this.read(request), request);
    if (answer.idType !== 'partner') throw new UpstreamAuthFailed(`These Sophos credentials belong to a ${answer.idType}, not a partner`);
    this.partner = { id: answer.id, globalHost: answer.apiHosts.global };
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
      const token = await this.accessToken(attempt > 1);
      const response = await sendUpstream({ ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } });
      if (response.status !== 401 || attempt > 1) return response;
      await response.body?.cancel();
    }
  }

  /** Client credentials have no refresh token: a new token is simply asked for again. */
  private async accessToken(renew: boolean): Promise<string> {
    if (!renew && this.token !== null && Date.now() < this.token.renewAt) return this.token.value;
    const request: UpstreamRequest = {
      method: 'POST',
      url: joinUrl(identityUrl(this.baseUrl), '/api/v2/oauth2/token'),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.credentials.clientId, client_secret: this.credentials.clientSecret, scope: 'token' }).toString(),
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
  return new URL(baseUrl).hostname === PUBLIC_API_HOST ? PUBLIC_IDENTITY_URL : baseUrl;
}

function companyOf(item: Tenant): UpstreamCompany {
  return { upstreamId: item.id, name: item.showAs ?? item.name, parentUpstreamId: null, consoleUrl: CONSOLE_URL, contactEmail: item.contact?.email ?? null };
}

function licenseOf(license: SophosLicense, owner: Tenant): UpstreamLicense {
  return {
    upstreamId: license.id,
    companyUpstreamId: owner.id,
    product: productCodeOf(license.product.code),
    productName: license.product.name ?? license.product.code,
    seats: license.unlimited ? null : (license.quantity ?? 0),
    seatsUsed: license.usage?.current?.count ?? 0,
    term: termOf(license.type ?? owner.billingType),
    expiresAt: license.perpetual ? null : endOf(license.endDate),
    // Sophos gives no standing beside the dates; the machine derives expiry from them.
    upstreamState: 'normal',
    // Seed 003: MSP Flex (usage-billed) tenants use the partner's licenses; others hold their own.
    owner: owner.billingType === 'usage' ? 'partner' : 'customer',
    poolUpstreamId: null,
  };
}

/** Sophos dates are calendar days (`2026-01-31`), read as UTC midnight. */
function endOf(date: string | null | undefined): number | null {
  const at = date ? Date.parse(date) : NaN;
  return Number.isNaN(at) ? null : at;
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

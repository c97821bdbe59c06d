// A local Sophos Central Partner, following the shapes DESIGN §5 lists: the OAuth2 client
// credentials token (expiring), whoami, tenants paged with X-Partner-ID, and each tenant's
// licenses with X-Tenant-ID on the global host, where Sophos serves its Licensing API. One
// server plays every host Sophos names: the identity service and whoami at its root, the global
// host under /global, a data region under /regions/<region> (which, like Sophos's regional
// hosts, answers 404 for licenses), so a test proves each call went where Sophos said. With
// `hosts: 'documented'` it names Sophos's real hosts instead and serves the global API at its
// root, as a proxy standing in for api.central.sophos.com would.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeFakeServer, HeldRequests } from './held-requests.js';

export interface FakeSophosTenant {
  id: string;
  name: string;
  showAs: string;
  billingType: 'term' | 'trial' | 'usage';
  /** Null for a trial tenant Sophos has not placed yet: it then has no apiHost. */
  dataRegion: string | null;
  /** Off: its licenses answer 403, as Sophos does when the customer turned partner assistance off. */
  partnerAssistance: boolean;
}

/** A license as `GET /licenses/v1/licenses` answers it; Sophos may leave out the quantity and the usage count. */
export interface FakeSophosLicense {
  id: string;
  licenseIdentifier: string;
  product: { code: string; name: string };
  startDate: string;
  endDate: string;
  perpetual: boolean;
  type: 'term' | 'trial' | 'usage';
  quantity?: number;
  unlimited: boolean;
  usage: { current: { count?: number; date: string } };
}

/** The next request (to `path` when given) answers this instead. */
export type SophosFailure = ({ status: 429; retryAfterSeconds: number } | { status: 503 } | { status: 404 }) & { path?: string };

export interface FakeSophosOptions {
  clientId?: string;
  clientSecret?: string;
  tenants?: number;
  licensesPerTenant?: number;
  /** Sophos issues hour-long tokens; tests shorten them. */
  tokenLifetimeSeconds?: number;
  pageSize?: number;
  /**
   * `own` (the default): whoami and tenants name hosts on the fake's own URL. `documented`: they
   * name Sophos's real hosts (https://api.central.sophos.com, https://api-eu01.central.sophos.com),
   * and the fake serves the global API at its root, where a source's `baseUrl` points.
   */
  hosts?: 'own' | 'documented';
}

export interface FakeSophosPartner {
  /** The source's baseUrl. */
  url: string;
  credentials: { clientId: string; clientSecret: string };
  partnerId: string;
  tenants: Map<string, FakeSophosTenant>;
  /** Licenses by tenant id. */
  licenses: Map<string, FakeSophosLicense[]>;
  /** Requests received, by path, and answers sent, by status. */
  requests: Map<string, number>;
  statuses: Map<number, number>;
  fail(times: number, failure: SophosFailure): void;
  /** Every token issued so far now answers 401. */
  expireTokens(): void;
  /** The tenant is removed right after the next tenants page that lists it, before its licenses are read. */
  removeTenantAfterListing(tenantId: string): void;
  /** The licenses of a tenant, read: held on demand; abandoned counts every request. */
  readonly licenseReads: HeldRequests;
  addTenant(name: string, overrides?: Partial<FakeSophosTenant>): FakeSophosTenant;
  addLicense(tenantId: string, overrides?: Partial<FakeSophosLicense>): FakeSophosLicense;
  close(): Promise<void>;
}

export async function startFakeSophosPartner(options: FakeSophosOptions = {}): Promise<FakeSophosPartner> {
  const credentials = { clientId: options.clientId ?? randomUUID(), clientSecret: options.clientSecret ?? randomUUID() };
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  const pageSize = options.pageSize ?? 100;
  const partnerId = randomUUID();
  const tenants = new Map<string, FakeSophosTenant>();
  const licenses = new Map<string, FakeSophosLicense[]>();
  const tokens = new Map<string, number>();
  const requests = new Map<string, number>();
  const statuses = new Map<number, number>();
  const failures: SophosFailure[] = [];
  const removedAfterListing = new Set<string>();
  const licenseReads = new HeldRequests();
  const documented = options.hosts === 'documented';
  /** Where the global API is served: the fake's root when it names Sophos's real global host, which a source reaches through its baseUrl. */
  const globalPrefix = documented ? '' : '/global';
  let origin = '';

  const addTenant = (name: string, overrides: Partial<FakeSophosTenant> = {}): FakeSophosTenant => {
    const tenant: FakeSophosTenant = { id: randomUUID(), name, showAs: name, billingType: 'term', dataRegion: 'eu01', partnerAssistance: true, ...overrides };
    tenants.set(tenant.id, tenant);
    licenses.set(tenant.id, []);
    return tenant;
  };
  const addLicense = (tenantId: string, overrides: Partial<FakeSophosLicense> = {}): FakeSophosLicense => {
    const license: FakeSophosLicense = {
      id: randomUUID(),
      licenseIdentifier: `CIXA-${licenses.get(tenantId)?.length ?? 0}`,
      product: { code: 'CIXA', name: 'Central Intercept X Advanced' },
      // A current term, as most licenses a partner syncs are: a year from when the fake is seeded.
      startDate: isoDay(Date.now() - 30 * DAY_MS),
      endDate: isoDay(Date.now() + 365 * DAY_MS),
      perpetual: false,
      type: 'term',
      quantity: 25,
      unlimited: false,
      usage: { current: { count: 7, date: isoDay(Date.now()) } },
      ...overrides,
    };
    licenses.get(tenantId)?.push(license);
    return license;
  };
  for (let index = 1; index <= (options.tenants ?? 0); index++) {
    const tenant = addTenant(`Tenant ${index}`);
    for (let count = 0; count < (options.licensesPerTenant ?? 0); count++) addLicense(tenant.id);
  }

  const apiHostOf = (region: string) => (documented ? `https://api-${region}.central.sophos.com` : `${origin}/regions/${region}`);
  const tenantView = (tenant: FakeSophosTenant) => ({
    id: tenant.id,
    name: tenant.name,
    showAs: tenant.showAs,
    billingType: tenant.billingType,
    dataGeography: tenant.dataRegion === null ? undefined : tenant.dataRegion.slice(0, 2).toUpperCase(),
    dataRegion: tenant.dataRegion ?? undefined,
    partner: { id: partnerId },
    apiHost: tenant.dataRegion === null ? undefined : apiHostOf(tenant.dataRegion),
    status: 'active',
  });

  type Answer = { status: number; body: unknown; headers?: Record<string, string> };
  const answer = async (request: IncomingMessage): Promise<Answer> => {
    const url = new URL(request.url ?? '/', origin);
    requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
    const form = new URLSearchParams(await textBody(request));
    const failing = failures.findIndex((failure) => failure.path === undefined || failure.path === url.pathname);
    const failure = failing === -1 ? undefined : failures.splice(failing, 1)[0];
    if (failure?.status === 429) return { status: 429, body: { error: 'tooManyRequests', message: 'Rate limit exceeded' }, headers: { 'retry-after': String(failure.retryAfterSeconds) } };
    if (failure?.status === 503) return { status: 503, body: { error: 'serviceUnavailable', message: 'Service unavailable' } };
    if (failure?.status === 404) return { status: 404, body: { error: 'notFound', message: 'Not found' } };

    if (request.method === 'POST' && url.pathname === '/api/v2/oauth2/token') {
      const valid = form.get('grant_type') === 'client_credentials' && form.get('scope') === 'token' && form.get('client_id') === credentials.clientId && form.get('client_secret') === credentials.clientSecret;
      if (!valid) return { status: 401, body: { errorCode: 'oauth.invalid_client_secret', message: 'Invalid client credentials' } };
      const token = randomUUID();
      tokens.set(token, Date.now() + tokenLifetimeSeconds * 1000);
      return { status: 200, body: { access_token: token, refresh_token: randomUUID(), token_type: 'bearer', message: 'OK', errorCode: 'success', expires_in: tokenLifetimeSeconds } };
    }
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    if (expiresAt === undefined || Date.now() >= expiresAt) return { status: 401, body: { error: 'Unauthorized', message: 'Token expired or invalid' } };

    if (request.method === 'GET' && url.pathname === '/whoami/v1') {
      return { status: 200, body: { id: partnerId, idType: 'partner', apiHosts: { global: documented ? 'https://api.central.sophos.com' : `${origin}/global` } } };
    }
    const tenantsPath = new RegExp(`^${globalPrefix}/partner/v1/tenants(?:/([^/]+))?$`).exec(url.pathname);
    if (request.method === 'GET' && tenantsPath !== null) {
      if (request.headers['x-partner-id'] !== partnerId) return { status: 403, body: { error: 'forbidden', message: 'X-Partner-ID does not match the token' } };
      const tenantId = tenantsPath[1];
      if (tenantId !== undefined) {
        const tenant = tenants.get(tenantId);
        return tenant ? { status: 200, body: tenantView(tenant) } : { status: 404, body: { error: 'notFound', message: 'No such tenant' } };
      }
      const page = Number(url.searchParams.get('page') ?? 1);
      const size = Math.min(Number(url.searchParams.get('pageSize') ?? pageSize), pageSize);
      const all = [...tenants.values()];
      const total = Math.max(1, Math.ceil(all.length / size));
      const pages = url.searchParams.get('pageTotal') === 'true' ? { current: page, size, total, items: all.length, maxSize: pageSize } : { current: page, size, maxSize: pageSize };
      const listed = all.slice((page - 1) * size, page * size);
      for (const tenant of listed) {
        if (removedAfterListing.delete(tenant.id)) tenants.delete(tenant.id);
      }
      return { status: 200, body: { items: listed.map(tenantView), pages } };
    }
    if (request.method === 'GET' && url.pathname === `${globalPrefix}/licenses/v1/licenses`) {
      const tenant = tenants.get(String(request.headers['x-tenant-id']));
      if (!tenant) return { status: 404, body: { error: 'notFound', message: 'No such tenant' } };
      if (!tenant.partnerAssistance) return { status: 403, body: { error: 'forbidden', message: 'Partner assistance is turned off for this tenant' } };
      await licenseReads.passage();
      return { status: 200, body: { licenses: licenses.get(tenant.id) ?? [] } };
    }
    if (request.method === 'GET' && /^\/regions\/[^/]+\/licenses\/v1\/licenses$/.test(url.pathname)) {
      return { status: 404, body: { error: 'notFound', message: 'The Licensing API is served on the global host' } };
    }
    return { status: 404, body: { error: 'notFound', message: 'Not found' } };
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    licenseReads.watch(response);
    answer(request).then(
      ({ status, body, headers }) => {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      },
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    credentials,
    partnerId,
    tenants,
    licenses,
    requests,
    statuses,
    fail: (times, failure) => failures.push(...Array.from({ length: times }, () => failure)),
    expireTokens: () => {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    removeTenantAfterListing: (tenantId) => removedAfterListing.add(tenantId),
    licenseReads,
    addTenant,
    addLicense,
    close: () => closeFakeServer(server, licenseReads),
  };
}

async function textBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const DAY_MS = 24 * 60 * 60 * 1000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

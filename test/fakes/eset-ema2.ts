// A local ESET MSP Administrator 2, following the shapes DESIGN §5 lists: JWT access tokens that
// expire (401 after), refresh tokens that Token/Renew takes only with the session's access token
// as Bearer, Company/Children and Search/Licenses paged by skip/take (take ≤ 100), License/Detail,
// companies the account has NoAccess to, its own included (403 on their children and licenses),
// and on demand the maintenance 503 (code 99, subCode 2), 429s with Retry-After, 400s, 500s, the 403
// of an access taken away between two calls, pages that lost their rows, answers missing a field,
// and slow answers. Its data is plain maps a test mutates between syncs.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeFakeServer, HeldRequests } from './held-requests.js';

export interface FakeEsetCompany {
  publicId: string;
  name: string;
  /** Company/Children of this id lists it; the account's own company is `rootCompanyId`. */
  parentId: string;
  type: number;
  email: string;
  status: number;
  /** The account's permission on the company: listed under its parent whatever it is; with `none` (EMA2's NoAccess), its children and licenses are refused (403). */
  access: EsetAccess;
}

export type EsetAccess = 'write' | 'read' | 'none';

export interface FakeEsetLicense {
  publicLicenseKey: string;
  customerId: string;
  productCode: string;
  /** Documented as always there; null for the odd license EMA2 answers without them. */
  productName: string | null;
  quantity: number | null;
  usage: number | null;
  /** 0 Error (more seats activated than authorised), 1 Normal, 2 Obsolete, 3 Suspended, 4 Warning. */
  state: number;
  trial: boolean | null;
  trialExpiration: string | null;
  expirationDate: string | null;
}

/**
 * What the next requests answer instead of their data. `no_access`: the 403 of a company the account
 * has NoAccess to, as if its access went since the last call; `empty_page`: a paged list answers no
 * rows but its true totalCount, as if rows went missing between pages; `without_field`: the real
 * answer less one field (a Token/Renew without its refreshToken).
 */
export type EsetFailure =
  | { kind: 'maintenance' }
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'server_error' }
  | { kind: 'bad_request' }
  | { kind: 'no_access' }
  | { kind: 'empty_page' }
  | { kind: 'without_field'; field: string };

export interface FakeEsetOptions {
  username?: string;
  password?: string;
  /** Companies directly under the account's company, and licenses per company. */
  companies?: number;
  licensesPerCompany?: number;
  accessTokenLifetimeMs?: number;
  refreshTokenLifetimeMs?: number;
  /** Delay before every answer, so requests overlap during a read. */
  answerDelayMs?: number;
}

export interface FakeEsetPage {
  path: '/Company/Children' | '/Search/Licenses';
  of: string;
  skip: number;
}

export interface FakeEsetEma2 {
  /** The source's baseUrl. */
  url: string;
  credentials: { username: string; password: string };
  rootCompanyId: string;
  /** The account's permission on its own company; `none` refuses Company/Children of it (403). */
  rootAccess: EsetAccess;
  companies: Map<string, FakeEsetCompany>;
  licenses: Map<string, FakeEsetLicense>;
  /** Requests received, by path (`/License/Detail` …), answers sent, by status, and the most requests of one path in flight at once. */
  requests: Map<string, number>;
  statuses: Map<number, number>;
  peakInFlight: Map<string, number>;
  /** The next `times` requests fail so; with `path` (`/Token/Renew` …), the next `times` requests of that path only. */
  fail(times: number, failure: EsetFailure, path?: string): void;
  /** Every access token issued so far now answers 401; with `refreshTokens`, renewals are refused too. */
  expireTokens(options?: { refreshTokens?: boolean }): void;
  /** With `listedFirst`, Company/Children lists it before the companies already there, shifting them. */
  addCompany(name: string, parentId?: string, options?: { listedFirst?: boolean }): FakeEsetCompany;
  addLicense(customerId: string, overrides?: Partial<FakeEsetLicense>): FakeEsetLicense;
  renewLicense(publicLicenseKey: string, expirationDate: string): void;
  setSeats(publicLicenseKey: string, quantity: number): void;
  removeLicense(publicLicenseKey: string): void;
  /** License/Detail calls: held on demand; abandoned counts every request. */
  readonly licenseReads: HeldRequests;
  /** Company/Children calls: held on demand; abandoned counts those only. */
  readonly companyReads: HeldRequests;
  /**
   * Runs before each page of Company/Children (`of` the parent) and Search/Licenses (`of` the
   * customer) is answered: a test changes the list between two pages of one read.
   */
  beforePage(change: (page: FakeEsetPage) => void): void;
  close(): Promise<void>;
}

const MAX_TAKE = 100;

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

export async function startFakeEsetEma2(options: FakeEsetOptions = {}): Promise<FakeEsetEma2> {
  const credentials = { username: options.username ?? 'msp-admin@example.test', password: options.password ?? 'correct horse battery staple' };
  const accessLifetimeMs = options.accessTokenLifetimeMs ?? 60_000;
  const refreshLifetimeMs = options.refreshTokenLifetimeMs ?? 3_600_000;
  const rootCompanyId = randomUUID();
  let rootAccess: EsetAccess = 'write';
  const companies = new Map<string, FakeEsetCompany>();
  const licenses = new Map<string, FakeEsetLicense>();
  /** Token → when it expires and the login session it belongs to: a renewal keeps the session. */
  const accessTokens = new Map<string, { expiresAt: number; session: string }>();
  const refreshTokens = new Map<string, { expiresAt: number; session: string }>();
  const requests = new Map<string, number>();
  const statuses = new Map<number, number>();
  const peakInFlight = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const failures: Array<{ failure: EsetFailure; path: string | undefined }> = [];
  let licenseSerial = 0;
  const licenseReads = new HeldRequests();
  const companyReads = new HeldRequests();
  let beforePage: (page: FakeEsetPage) => void = () => {};

  const addCompany = (name: string, parentId = rootCompanyId, { listedFirst = false } = {}): FakeEsetCompany => {
    const company: FakeEsetCompany = { publicId: randomUUID(), name, parentId, type: 2, email: `admin@${name.toLowerCase().replace(/\W+/g, '-')}.test`, status: 1, access: 'write' };
    const listedAfter = listedFirst ? [...companies.values()] : [];
    if (listedFirst) companies.clear();
    for (const listed of [company, ...listedAfter]) companies.set(listed.publicId, listed);
    return company;
  };
  const addLicense = (customerId: string, overrides: Partial<FakeEsetLicense> = {}): FakeEsetLicense => {
    licenseSerial += 1;
    const license: FakeEsetLicense = {
      publicLicenseKey: `3AB-${String(licenseSerial).padStart(3 + 4, '0').replace(/(\d{3})(\d{4})/, '$1-$2')}`,
      customerId,
      productCode: '110',
      productName: 'ESET PROTECT Entry',
      quantity: 10,
      usage: 3,
      state: 1,
      trial: false,
      trialExpiration: null,
      expirationDate: '2030-01-31T00:00:00Z',
      ...overrides,
    };
    licenses.set(license.publicLicenseKey, license);
    return license;
  };
  for (let index = 1; index <= (options.companies ?? 0); index++) {
    const company = addCompany(`Company ${index}`);
    for (let count = 0; count < (options.licensesPerCompany ?? 0); count++) addLicense(company.publicId);
  }

  const issueTokens = (session: string = randomUUID()) => {
    const now = Date.now();
    const accessToken = jwt({ sub: credentials.username, exp: (now + accessLifetimeMs) / 1000, jti: randomUUID() });
    const refreshToken = randomUUID();
    accessTokens.set(accessToken, { expiresAt: now + accessLifetimeMs, session });
    refreshTokens.set(refreshToken, { expiresAt: now + refreshLifetimeMs, session });
    return { accessToken, refreshToken };
  };
  const bearerOf = (request: IncomingMessage) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    return token === undefined ? undefined : accessTokens.get(token);
  };
  const authorised = (request: IncomingMessage) => {
    const bearer = bearerOf(request);
    return bearer !== undefined && Date.now() < bearer.expiresAt;
  };
  const forbidden: Answer = { status: 403, body: { code: 403, subCode: 0, message: 'Forbidden action' } };
  const readable = (companyId: unknown) => (companyId === rootCompanyId ? rootAccess : companies.get(String(companyId))?.access) !== 'none';

  const routes: Record<string, (body: Record<string, unknown>, request: IncomingMessage) => Answer> = {
    'POST /Token/Get': (body) =>
      body.username === credentials.username && body.password === credentials.password ? { status: 200, body: issueTokens() } : { status: 401, body: { code: 1, subCode: 0, message: 'Invalid credentials' } },
    // "Requires authorization; the user has to be logged in": the Bearer names the session, even once its access token expired.
    'POST /Token/Renew': (body, request) => {
      const bearer = bearerOf(request);
      if (bearer === undefined) return { status: 401, body: { code: 1, subCode: 2, message: 'Token expired or invalid' } };
      const refresh = refreshTokens.get(String(body.refreshToken));
      if (refresh === undefined || refresh.session !== bearer.session || Date.now() >= refresh.expiresAt) return { status: 401, body: { code: 1, subCode: 1, message: 'Invalid refresh token' } };
      refreshTokens.delete(String(body.refreshToken));
      return { status: 200, body: issueTokens(bearer.session) };
    },
    'GET /User/Current': () => ({ status: 200, body: { username: credentials.username, company: { companyId: rootCompanyId, name: 'The MSP' } } }),
    'POST /Company/Children': (body) => {
      const { skip, take } = paging(body);
      if (take > MAX_TAKE) return { status: 400, body: { code: 2, subCode: 0, message: `take must be at most ${MAX_TAKE}` } };
      if (!readable(body.companyId)) return forbidden;
      beforePage({ path: '/Company/Children', of: String(body.companyId), skip });
      const children = [...companies.values()].filter((company) => company.parentId === body.companyId);
      return { status: 200, body: { companies: children.slice(skip, skip + take).map(({ parentId: _parent, ...company }) => company), totalCount: children.length } };
    },
    'POST /Search/Licenses': (body) => {
      const { skip, take } = paging(body);
      if (take > MAX_TAKE) return { status: 400, body: { code: 2, subCode: 0, message: `take must be at most ${MAX_TAKE}` } };
      if (!readable(body.customerId)) return forbidden;
      beforePage({ path: '/Search/Licenses', of: String(body.customerId), skip });
      const found = [...licenses.values()].filter((license) => license.customerId === body.customerId);
      return { status: 200, body: { search: found.slice(skip, skip + take).map(({ publicLicenseKey }) => ({ publicLicenseKey })), totalCount: found.length } };
    },
    'POST /License/Detail': (body) => {
      const license = licenses.get(String(body.publicLicenseKey));
      if (!license) return { status: 404, body: { code: 3, subCode: 0, message: 'License not found' } };
      return readable(license.customerId) ? { status: 200, body: license } : forbidden;
    },
  };
  /** Token/Get takes credentials; Token/Renew reads its Bearer itself. */
  const authorisingThemselves = new Set(['POST /Token/Get', 'POST /Token/Renew']);

  const nextFailure = (path: string): EsetFailure | undefined => {
    const index = failures.findIndex((queued) => queued.path === undefined || queued.path === path);
    return index === -1 ? undefined : failures.splice(index, 1)[0]!.failure;
  };

  const answer = async (request: IncomingMessage, path: string): Promise<Answer> => {
    const body = await jsonBody(request);
    const failure = nextFailure(path);
    if (failure?.kind === 'maintenance') return { status: 503, body: { code: 99, subCode: 2, message: 'Service is under maintenance' } };
    if (failure?.kind === 'rate_limited') return { status: 429, body: { code: 98, subCode: 0, message: 'Too many requests' }, headers: { 'retry-after': String(failure.retryAfterSeconds) } };
    if (failure?.kind === 'server_error') return { status: 500, body: { code: 0, subCode: 0, message: 'Internal error' } };
    if (failure?.kind === 'bad_request') return { status: 400, body: { code: 2, subCode: 0, message: 'The input was not valid.' } };
    if (failure?.kind === 'no_access') return forbidden;
    const route = `${request.method} ${path}`;
    const handle = routes[route];
    if (!handle) return { status: 404, body: { code: 404, subCode: 0, message: 'Not found' } };
    if (!authorisingThemselves.has(route) && !authorised(request)) return { status: 401, body: { code: 1, subCode: 2, message: 'Token expired or invalid' } };
    if (route === 'POST /License/Detail') await licenseReads.passage();
    if (route === 'POST /Company/Children') await companyReads.passage();
    const answered = handle(failure?.kind === 'empty_page' ? { ...body, take: 0 } : body, request);
    if (failure?.kind !== 'without_field') return answered;
    const { [failure.field]: _left, ...rest } = answered.body as Record<string, unknown>;
    return { ...answered, body: rest };
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    // The fake serves under /api, as EMA2 does: paths are counted without it.
    const path = new URL(request.url ?? '/', 'http://fake').pathname.replace(/^\/api(?=\/)/, '');
    requests.set(path, (requests.get(path) ?? 0) + 1);
    inFlight.set(path, (inFlight.get(path) ?? 0) + 1);
    peakInFlight.set(path, Math.max(peakInFlight.get(path) ?? 0, inFlight.get(path) ?? 0));
    licenseReads.watch(response);
    if (path === '/Company/Children') companyReads.watch(response);
    answer(request, path)
      .then(async (answered) => {
        if (options.answerDelayMs) await new Promise((resolve) => setTimeout(resolve, options.answerDelayMs));
        return answered;
      })
      .then(
        ({ status, body, headers }) => {
          inFlight.set(path, (inFlight.get(path) ?? 1) - 1);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
        },
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api`,
    credentials,
    rootCompanyId,
    get rootAccess() {
      return rootAccess;
    },
    set rootAccess(access) {
      rootAccess = access;
    },
    companies,
    licenses,
    requests,
    statuses,
    peakInFlight,
    fail: (times, failure, path) => failures.push(...Array.from({ length: times }, () => ({ failure, path }))),
    expireTokens: ({ refreshTokens: refreshToo = false } = {}) => {
      for (const token of accessTokens.values()) token.expiresAt = 0;
      if (refreshToo) for (const token of refreshTokens.values()) token.expiresAt = 0;
    },
    addCompany,
    addLicense,
    renewLicense: (key, expirationDate) => (licenseOf(licenses, key).expirationDate = expirationDate),
    setSeats: (key, quantity) => (licenseOf(licenses, key).quantity = quantity),
    removeLicense: (key) => licenses.delete(key),
    licenseReads,
    companyReads,
    beforePage: (change) => (beforePage = change),
    close: () => closeFakeServer(server, licenseReads, companyReads),
  };
}

function licenseOf(licenses: Map<string, FakeEsetLicense>, key: string): FakeEsetLicense {
  const license = licenses.get(key);
  if (!license) throw new Error(`The fake EMA2 has no license ${key}`);
  return license;
}

function paging(body: Record<string, unknown>) {
  return { skip: Number(body.skip ?? 0), take: Number(body.take ?? MAX_TAKE) };
}

/** An unsigned JWT: the connector reads only its `exp`, as a client of a real one would. */
function jwt(claims: object): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

async function jsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

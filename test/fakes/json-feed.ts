// A local JSON feed in the format of activities/source/json-feed.md: pages of companies and
// licenses linked by `next`, optionally behind a bearer token, with 429s and 503s on demand.
// Generates tens of thousands of licenses in milliseconds, for the bench.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FeedCompany {
  id: string;
  name: string;
  parentId: string | null;
  consoleUrl: string | null;
  email: string | null;
}

export interface FeedLicense {
  id: string;
  companyId: string;
  product: string;
  productName: string;
  seats: number | null;
  seatsUsed: number;
  term: 'annual' | 'monthly' | 'trial';
  expiresAt: string | null;
  state: 'normal' | 'warning' | 'suspended' | 'obsolete' | 'error';
  owner: 'partner' | 'customer';
  poolId: string | null;
}

export interface FeedSubscription {
  id: string;
  companyId: string;
  product: string;
  productName: string;
  quantity: number;
  term: 'annual' | 'monthly' | 'trial';
  startsAt: string;
  endsAt: string | null;
  status: string;
}

const FEED_PATH = '/feed.json';

export type FeedFailure = { status: 429; retryAfterSeconds: number } | { status: 503 };

export interface FakeJsonFeedOptions {
  companies?: number;
  licensesPerCompany?: number;
  /** Companies and licenses per page, each counted on its own. */
  pageSize?: number;
  /** When set, the feed answers 401 without `Authorization: Bearer <token>`. */
  bearerToken?: string;
}

export interface FakeJsonFeed {
  /** The source's baseUrl: the feed's first page. */
  url: string;
  /** Arrays in feed order; mutate them between syncs. */
  companies: FeedCompany[];
  licenses: FeedLicense[];
  subscriptions: FeedSubscription[];
  /** Pages served, and answers sent by status. */
  pagesServed: number;
  statuses: Map<number, number>;
  fail(times: number, failure: FeedFailure): void;
  license(id: string): FeedLicense;
  close(): Promise<void>;
}

export async function startFakeJsonFeed(options: FakeJsonFeedOptions = {}): Promise<FakeJsonFeed> {
  const pageSize = options.pageSize ?? 1000;
  const companies: FeedCompany[] = [];
  const licenses: FeedLicense[] = [];
  for (let index = 1; index <= (options.companies ?? 0); index++) {
    const id = `company-${index}`;
    companies.push({ id, name: `Company ${index}`, parentId: null, consoleUrl: `https://console.example.test/companies/${id}`, email: `admin@company-${index}.test` });
    for (let count = 1; count <= (options.licensesPerCompany ?? 0); count++) {
      licenses.push({
        id: `${id}-license-${count}`,
        companyId: id,
        product: 'EPS',
        productName: 'Endpoint Protection Standard',
        seats: 10,
        seatsUsed: 4,
        term: 'annual',
        expiresAt: '2030-06-30T00:00:00Z',
        state: 'normal',
        owner: 'partner',
        poolId: null,
      });
    }
  }
  const statuses = new Map<number, number>();
  const failures: FeedFailure[] = [];
  const feed: FakeJsonFeed = {
    url: '',
    companies,
    licenses,
    subscriptions: [],
    pagesServed: 0,
    statuses,
    fail: (times, failure) => failures.push(...Array.from({ length: times }, () => failure)),
    license: (id) => {
      const found = licenses.find((license) => license.id === id);
      if (!found) throw new Error(`The fake feed has no license ${id}`);
      return found;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const answer = (request: IncomingMessage): { status: number; body: unknown; headers?: Record<string, string> } => {
    // A file server: the feed lives at one path, and anything else is not there.
    if (new URL(request.url ?? '/', 'http://fake').pathname !== FEED_PATH) return { status: 404, body: { error: 'not found' } };
    const failure = failures.shift();
    if (failure?.status === 429) return { status: 429, body: { error: 'rate limited' }, headers: { 'retry-after': String(failure.retryAfterSeconds) } };
    if (failure?.status === 503) return { status: 503, body: { error: 'unavailable' } };
    if (options.bearerToken && request.headers.authorization !== `Bearer ${options.bearerToken}`) return { status: 401, body: { error: 'unauthorized' } };
    const page = Number(new URL(request.url ?? '/', 'http://fake').searchParams.get('page') ?? 1);
    const slice = <Item>(items: Item[]) => items.slice((page - 1) * pageSize, page * pageSize);
    const more = page * pageSize < Math.max(feed.companies.length, feed.licenses.length, feed.subscriptions.length);
    feed.pagesServed += 1;
    return { status: 200, body: { companies: slice(feed.companies), licenses: slice(feed.licenses), subscriptions: slice(feed.subscriptions), next: more ? `?page=${page + 1}` : null } };
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const { status, body, headers } = answer(request);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  feed.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${FEED_PATH}`;
  return feed;
}

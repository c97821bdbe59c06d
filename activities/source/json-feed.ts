// A JSON feed of companies and licenses, for vendors without an API and for demos (DESIGN §5).
// Its format is documented in json-feed.md; this file reads exactly that, page by page.
import { productCodeOf } from '../../machines/lifecycle/product.js';
import { z } from 'zod';
import type { JsonFeedCredentials, UpstreamCompany, UpstreamLicense, UpstreamSubscription } from '../../machines/source/upstream.js';
import { describe, jsonOf, sendUpstream, shaped, unexpectedStatus, UpstreamAuthFailed, UpstreamNoCompanies, type Connector, type Page, type UpstreamRequest } from './connector.js';

const term = z.enum(['annual', 'monthly', 'trial']);
const instant = z.iso.datetime({ offset: true }).transform((text) => Date.parse(text));

const feedPage = z.object({
  companies: z
    .array(
      z.object({
        id: z.string().min(1),
        name: z.string().min(1),
        parentId: z.string().nullish(),
        consoleUrl: z.url().nullish(),
        email: z.string().nullish(),
      }),
    )
    .default([]),
  licenses: z
    .array(
      z.object({
        id: z.string().min(1),
        companyId: z.string().min(1),
        product: z.string().min(1),
        productName: z.string().nullish(),
        seats: z.number().int().nonnegative().nullable(),
        seatsUsed: z.number().int().nonnegative().default(0),
        term,
        expiresAt: instant.nullable(),
        state: z.enum(['normal', 'warning', 'suspended', 'obsolete', 'error']).default('normal'),
        owner: z.enum(['partner', 'customer']).default('partner'),
        poolId: z.string().nullish(),
      }),
    )
    .default([]),
  subscriptions: z
    .array(
      z.object({
        id: z.string().min(1),
        companyId: z.string().min(1),
        product: z.string().min(1),
        productName: z.string().nullish(),
        quantity: z.number().int().nonnegative(),
        term,
        startsAt: instant,
        endsAt: instant.nullish(),
        status: z.string().default('active'),
      }),
    )
    .default([]),
  next: z.string().nullish(),
});
type FeedPage = z.infer<typeof feedPage>;

export class JsonFeedConnector implements Connector {
  constructor(
    private readonly baseUrl: string,
    private readonly credentials: JsonFeedCredentials,
  ) {}

  async verify(): Promise<{ companiesReadable: number }> {
    for await (const page of this.companies()) {
      if (page.items.length > 0) return { companiesReadable: page.items.length };
    }
    throw new UpstreamNoCompanies('R4: the JSON feed lists no company');
  }

  companies(resumeFrom?: string): AsyncIterable<Page<UpstreamCompany>> {
    return this.read(resumeFrom, (page) =>
      page.companies.map((company) => ({
        upstreamId: company.id,
        name: company.name,
        parentUpstreamId: company.parentId ?? null,
        consoleUrl: company.consoleUrl ?? null,
        contactEmail: company.email ?? null,
      })),
    );
  }

  licenses(resumeFrom?: string): AsyncIterable<Page<UpstreamLicense>> {
    return this.read(resumeFrom, (page) =>
      page.licenses.map((license) => ({
        upstreamId: license.id,
        companyUpstreamId: license.companyId,
        product: productCodeOf(license.product),
        productName: license.productName ?? license.product,
        seats: license.seats,
        seatsUsed: license.seatsUsed,
        term: license.term,
        expiresAt: license.expiresAt,
        upstreamState: license.state,
        owner: license.owner,
        poolUpstreamId: license.poolId ?? null,
      })),
    );
  }

  subscriptions(resumeFrom?: string): AsyncIterable<Page<UpstreamSubscription>> {
    return this.read(resumeFrom, (page) =>
      page.subscriptions.map((subscription) => ({
        upstreamId: subscription.id,
        companyUpstreamId: subscription.companyId,
        product: productCodeOf(subscription.product),
        productName: subscription.productName ?? subscription.product,
        quantity: subscription.quantity,
        term: subscription.term,
        startsAt: subscription.startsAt,
        endsAt: subscription.endsAt ?? null,
        status: subscription.status,
      })),
    );
  }

  /** Follows `next` links from the feed's URL (or the cursor's page), yielding what `pick` takes of each page. */
  private async *read<Item>(resumeFrom: string | undefined, pick: (page: FeedPage) => Item[]): AsyncIterable<Page<Item>> {
    let url: string | null = resumeFrom === undefined ? this.baseUrl : (JSON.parse(resumeFrom) as { url: string | null }).url;
    const progress = { companiesRead: 0, companiesTotal: null, licensesRead: 0 };
    while (url !== null) {
      const page = await this.page(url);
      // A relative `next` is resolved against the page that named it, as a browser would.
      const next: string | null = page.next ? new URL(page.next, url).toString() : null;
      progress.companiesRead += page.companies.length;
      progress.licensesRead += page.licenses.length;
      yield { items: pick(page), gaps: [], progress: { ...progress }, resumeFrom: JSON.stringify({ url: next }) };
      url = next;
    }
  }

  private async page(url: string): Promise<FeedPage> {
    const authorization: Record<string, string> = this.credentials.bearerToken ? { authorization: `Bearer ${this.credentials.bearerToken}` } : {};
    const request: UpstreamRequest = { method: 'GET', url, headers: authorization };
    const response = await sendUpstream(request);
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new UpstreamAuthFailed(`The JSON feed refused the request (${describe(request)} answered ${response.status})`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw unexpectedStatus(response, request);
    }
    return shaped(feedPage, await jsonOf(response, request), request);
  }
}

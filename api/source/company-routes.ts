// A company as its sources know it: the link to its product console upstream (M26; seed 000
// "Ouvrir la console", seed 003 "Ouvrir Sophos Central Admin") and the orders the vendor shows
// for it (M27).
import type Router from '@koa/router';
import { and, asc, eq } from 'drizzle-orm';
import { sourceCompanies, sources, sourceSubscriptions } from '../../db/schema.js';
import type { AppDependencies } from '../app.js';
import { callerOf } from '../auth.js';
import { companyOf } from '../company/routes.js';
import { documented } from '../openapi/route.js';
import { companyUpstreamList, subscriptionList } from './responses.js';

const iso = (millis: number | null) => (millis === null ? null : new Date(millis).toISOString());

export function companySourceRoutes(router: Router, { db }: AppDependencies): void {
  const route = documented(router);

  route.get('/companies/:id/subscriptions', {
    operationId: 'listCompanySubscriptions',
    summary: "The company's orders and subscriptions, as its sources show them",
    tag: 'Companies',
    responses: { 200: subscriptionList },
  }, async (ctx) => {
    const company = await companyOf(db, callerOf(ctx).partnerId, ctx.params.id!);
    const rows = await db
      .select()
      .from(sourceSubscriptions)
      .where(and(eq(sourceSubscriptions.partnerId, company.partnerId), eq(sourceSubscriptions.companyId, company.id)))
      .orderBy(asc(sourceSubscriptions.upstreamId));
    ctx.body = {
      data: rows.map(({ sourceId, facts }) => ({
        id: facts.upstreamId,
        sourceId,
        product: facts.product,
        productName: facts.productName,
        quantity: facts.quantity,
        term: facts.term,
        startsAt: iso(facts.startsAt)!,
        endsAt: iso(facts.endsAt),
        status: facts.status,
      })),
    };
  });

  route.get('/companies/:id/upstream', {
    operationId: 'listCompanyUpstream',
    summary: 'The company in each source it came from, with the link to its console upstream',
    tag: 'Companies',
    responses: { 200: companyUpstreamList },
  }, async (ctx) => {
    const company = await companyOf(db, callerOf(ctx).partnerId, ctx.params.id!);
    const rows = await db
      .select({ link: sourceCompanies, sourceName: sources.name, vendor: sources.vendor })
      .from(sourceCompanies)
      .innerJoin(sources, eq(sources.id, sourceCompanies.sourceId))
      .where(and(eq(sourceCompanies.partnerId, company.partnerId), eq(sourceCompanies.companyId, company.id)));
    ctx.body = {
      data: rows.map(({ link, sourceName, vendor }) => ({
        sourceId: link.sourceId,
        sourceName,
        vendor,
        upstreamId: link.upstreamId,
        upstreamName: link.name,
        consoleUrl: link.consoleUrl,
      })),
    };
  });
}

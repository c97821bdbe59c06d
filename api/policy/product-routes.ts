// A partner's policy per product (DESIGN §3: "per partner, overridable per product"). Which
// policy a license or account then gets: the one named at its issue, else its company's, else
// its product's here, else the partner's default (db/policies.ts). Running ones adopt a change
// at their next cycle.
import type Router from '@koa/router';
import { and, asc, eq } from 'drizzle-orm';
import { productPolicies } from '../../db/schema.js';
import type { AppDependencies } from '../app.js';
import { audit } from '../audit/record.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { missingAs, notFound } from '../problem.js';
import { productPolicyPath, setProductPolicy } from '../schemas.js';
import { parseInput } from '../validate.js';
import { documented } from '../openapi/route.js';
import { currentPolicy } from './resolve.js';
import { productPolicyList, productPolicyResponse } from './responses.js';

type ProductPolicyRow = typeof productPolicies.$inferSelect;

const PATH = '/partner/policies/products';

function representation(row: ProductPolicyRow) {
  return { product: row.product, policyId: row.policyId, updatedAt: row.updatedAt.toISOString() };
}

export function productPolicyRoutes(router: Router, { db }: AppDependencies): void {
  const route = documented(router);
  const ofProduct = (partnerId: string, product: string) => and(eq(productPolicies.partnerId, partnerId), eq(productPolicies.product, product));

  route.get(PATH, {
    operationId: 'listProductPolicies',
    summary: "List the partner's policy per product",
    tag: 'Policies',
    responses: { 200: productPolicyList },
  }, async (ctx) => {
    const rows = await db.select().from(productPolicies).where(eq(productPolicies.partnerId, callerOf(ctx).partnerId)).orderBy(asc(productPolicies.product));
    ctx.body = { data: rows.map(representation) };
  });

  route.put(`${PATH}/:product`, {
    operationId: 'setProductPolicy',
    summary: 'Choose the policy of one product',
    description:
      "Licenses and accounts of this product get this policy unless their company has one or their issue names one. Running ones adopt it at their next cycle. Audited as `product_policy.set` (R32).",
    tag: 'Policies',
    role: 'admin',
    params: productPolicyPath,
    body: setProductPolicy,
    responses: { 200: productPolicyResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const { product } = parseInput(productPolicyPath, ctx.params);
    const { policyId } = parseInput(setProductPolicy, ctx.request.body);
    await currentPolicy(db, caller.partnerId, policyId).catch(missingAs('policyId'));
    ctx.body = await db.transaction(async (tx) => {
      const [before] = await tx.select().from(productPolicies).where(ofProduct(caller.partnerId, product)).for('update');
      const [after] = await tx
        .insert(productPolicies)
        .values({ partnerId: caller.partnerId, product, policyId })
        .onConflictDoUpdate({ target: [productPolicies.partnerId, productPolicies.product], set: { policyId, updatedAt: new Date() } })
        .returning();
      await audit(tx, {
        partnerId: caller.partnerId,
        subjectType: 'product_policy',
        subjectId: product,
        action: 'product_policy.set',
        actor: actorOf(caller),
        before: before ? representation(before) : null,
        after: representation(after!),
      });
      return representation(after!);
    });
  });

  route.delete(`${PATH}/:product`, {
    operationId: 'removeProductPolicy',
    summary: "Return one product to the partner's default policy",
    description: 'Running licenses and accounts of the product adopt the default at their next cycle. Audited as `product_policy.removed` (R32).',
    tag: 'Policies',
    role: 'admin',
    params: productPolicyPath,
    responses: { 204: { description: 'Removed' } },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const { product } = parseInput(productPolicyPath, ctx.params);
    await db.transaction(async (tx) => {
      const [removed] = await tx.delete(productPolicies).where(ofProduct(caller.partnerId, product)).returning();
      if (!removed) throw notFound('Product policy');
      await audit(tx, {
        partnerId: caller.partnerId,
        subjectType: 'product_policy',
        subjectId: product,
        action: 'product_policy.removed',
        actor: actorOf(caller),
        before: representation(removed),
      });
    });
    ctx.status = 204;
  });
}

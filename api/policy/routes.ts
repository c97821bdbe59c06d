// Lifecycle policies: durations and notice offsets, versioned (a change is a new version).
import type Router from '@koa/router';
import { and, desc, eq } from 'drizzle-orm';
import { policyFromRow } from '../../db/policies.js';
import { policies } from '../../db/schema.js';
import { validatePolicyTerms, type LifecyclePolicy } from '../../machines/lifecycle/policy.js';
import type { AppDependencies } from '../app.js';
import { audit } from '../audit/record.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { currentPolicy } from './resolve.js';
import { invalidInput } from '../problem.js';
import { createPolicy, updatePolicy } from '../schemas.js';
import { parseInput } from '../validate.js';
import { documented } from '../openapi/route.js';
import { policyList, policyResponse } from './responses.js';

export function policyRoutes(router: Router, { db }: AppDependencies): void {
  const route = documented(router);

  route.post('/policies', {
    operationId: 'createPolicy',
    summary: 'Create a lifecycle policy',
    tag: 'Policies',
    role: 'admin',
    body: createPolicy,
    responses: { 201: policyResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const { partnerId } = caller;
    const body = parseInput(createPolicy, ctx.request.body);
    // R32: the policy and its audit entry are written together.
    const created = await db.transaction(async (tx) => {
      const [row] = await tx.insert(policies).values({ id: crypto.randomUUID(), version: 1, partnerId, ...body }).returning();
      const policy = policyFromRow(row!);
      await audit(tx, { partnerId, subjectType: 'policy', subjectId: policy.id, action: 'policy.created', actor: actorOf(caller), after: { ...policy } });
      return policy;
    });
    ctx.status = 201;
    ctx.set('Location', `/v1/policies/${created.id}`);
    ctx.body = created;
  });

  route.get('/policies', {
    operationId: 'listPolicies',
    summary: 'List policies, each at its current version',
    tag: 'Policies',
    responses: { 200: policyList },
  }, async (ctx) => {
    const { partnerId } = callerOf(ctx);
    const rows = await db.select().from(policies).where(eq(policies.partnerId, partnerId)).orderBy(policies.name, desc(policies.version));
    const latest = new Map<string, LifecyclePolicy>();
    for (const row of rows) if (!latest.has(row.id)) latest.set(row.id, policyFromRow(row));
    ctx.body = { data: [...latest.values()] };
  });

  route.get('/policies/:id', { operationId: 'getPolicy', summary: 'Read a policy at its current version', tag: 'Policies', responses: { 200: policyResponse } }, async (ctx) => {
    ctx.body = await currentPolicy(db, callerOf(ctx).partnerId, ctx.params.id!);
  });

  route.patch('/policies/:id', {
    operationId: 'updatePolicy',
    summary: 'Change a policy: a new version',
    description: 'Running licenses and accounts adopt the new version at their next cycle. Audited as `policy.updated` with both versions (R32).',
    tag: 'Policies',
    role: 'admin',
    body: updatePolicy,
    responses: { 200: policyResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const { partnerId } = caller;
    const policyId = ctx.params.id!;
    // Another partner's policy, or none, is a 404 before the body is judged.
    await currentPolicy(db, partnerId, policyId);
    const changes = parseInput(updatePolicy, ctx.request.body);
    const written = await db.transaction(async (tx) => {
      // Changes of one policy go one after the other, each the version after the one it read:
      // two at once both wrote the next version and one answered 500 on its key.
      await tx.select({ version: policies.version }).from(policies).where(and(eq(policies.id, policyId), eq(policies.partnerId, partnerId))).for('update');
      const current = await currentPolicy(tx, partnerId, policyId);
      const next = { ...current, ...changes, version: current.version + 1 };
      const issues = validatePolicyTerms(next);
      if (issues.length > 0) throw invalidInput(issues);
      const [row] = await tx.insert(policies).values({ ...next, partnerId }).returning();
      await audit(tx, { partnerId, subjectType: 'policy', subjectId: current.id, action: 'policy.updated', actor: actorOf(caller), before: { ...current }, after: { ...next } });
      return row!;
    });
    // The version this request wrote, even if another change followed it at once.
    ctx.body = policyFromRow(written);
  });
}

// Licenses: issue (starts the license's workflow), then the routes every lifecycle shares
// (api/lifecycle/kit.ts) and the operations renew, suspend, resume and delete.
import type Router from '@koa/router';
import { eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { licenses } from '../../db/schema.js';
import { addDuration } from '../../machines/lifecycle/duration.js';
import { LicenseLifecycle, type LicenseEvent, type LicenseInput, type LicenseScheduledEvent, type LicenseSnapshot, type LicenseState } from '../../machines/license/index.js';
import { licenseWorkflowId, type LicenseFacts, type LicenseLifecycleInput, type RenewRequest } from '../../machines/license/contract.js';
import { renewedExpiry, type RenewalTerms } from '../../machines/license/renewal.js';
import { deleteLicense, licenseRecorded, renewLicense, resumeLicense, suspendLicense } from '../../workflows/license/messages.js';
import type { licenseLifecycle } from '../../workflows/license/lifecycle.js';
import { LicenseExpiresAt, LicenseState as LicenseStateAttribute } from '../../workflows/search-attributes.js';
import type { AppDependencies } from '../app.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { companyOf } from '../company/routes.js';
import { lifecycleRoutes } from '../lifecycle/kit.js';
import { subjectSearchAttributes } from '../lifecycle/search-attributes.js';
import { documented } from '../openapi/route.js';
import { policyForSubject } from '../policy/resolve.js';
import { placeLicense } from '../pool/placement.js';
import { confirmQuery, sourceRemovalPrecheck } from '../pool/source-removal.js';
import { fieldNotFound } from '../problem.js';
import { issueLicense, listLicenses, renewByDate, renewByDuration } from '../schemas.js';
import { scopeOf } from '../scope.js';
import { parseInput } from '../validate.js';
import { licensePage, licenseResponse, licenseTimelineResponse } from './responses.js';
import { licenseEditRoute } from './edit.js';

type LicenseRow = typeof licenses.$inferSelect;
type LicenseTypes = { snapshot: LicenseSnapshot; state: LicenseState; event: LicenseEvent; input: LicenseInput; scheduled: LicenseScheduledEvent };

export function licenseRoutes(router: Router, deps: AppDependencies): void {
  const { db, temporal, taskQueue } = deps;
  const route = documented(router);

  route.post('/licenses', {
    operationId: 'issueLicense',
    summary: 'Issue a license',
    description: 'Starts the license\'s lifecycle: its notices, grace, suspension and deletion happen on time from now on. Give `expiresAt` or `duration`; a trial may give neither and lasts the policy\'s trial. Without `poolId` the license lands in its company\'s default pool.',
    tag: 'Licenses',
    role: 'operator',
    body: issueLicense,
    responses: { 201: licenseResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const body = parseInput(issueLicense, ctx.request.body);
    const company = await companyOf(db, caller.partnerId, body.companyId).catch(() => { throw fieldNotFound('companyId'); });
    const placement = await placeLicense(db, scopeOf(caller), company, body.poolId);
    const explicitPolicyId = body.policyId ?? null;
    const { policy } = await policyForSubject(db, { partnerId: caller.partnerId, companyId: company.id, product: body.product, explicitPolicyId });
    const now = Date.now();
    // A trial given neither lasts the policy's trial: the machine computes it (R10).
    const expiresAt = body.expiresAt ? Date.parse(body.expiresAt) : body.duration ? addDuration(now, body.duration) : null;
    const facts: LicenseFacts = {
      id: crypto.randomUUID(),
      partnerId: caller.partnerId,
      companyId: company.id,
      companyName: company.name,
      product: body.product,
      explicitPolicyId,
      seats: body.seats,
      owner: body.owner,
      // R8: the tag is the company name at issue, and does not follow later renames.
      tag: body.tag ?? company.name,
      accountType: body.accountType ?? null,
      poolId: placement.poolId,
      accessGroupId: placement.accessGroupId,
      sourceId: null,
    };
    const input: LicenseLifecycleInput = { facts, policy, start: { term: body.term, expiresAt, actor: actorOf(caller) } };
    // The machine names the first state (trial or active by term); ops can filter on it from the start.
    const { snapshot: first } = LicenseLifecycle.start({ policy, accountType: facts.accountType, term: body.term, expiresAt, issuedAt: now });
    const handle = await temporal.workflow.start<typeof licenseLifecycle>('licenseLifecycle', {
      workflowId: licenseWorkflowId(facts.id),
      taskQueue,
      args: [input],
      staticSummary: `${company.name} · ${facts.product} · ${facts.seats} seats`,
      staticDetails: `License ${facts.id} (${body.term}, owned by the ${facts.owner}) on policy "${policy.name}" v${policy.version}.`,
      typedSearchAttributes: [
        ...subjectSearchAttributes(facts),
        { key: LicenseStateAttribute, value: LicenseLifecycle.stateOf(first) },
        { key: LicenseExpiresAt, value: new Date(first.context.expiresAt) },
      ],
    });
    await handle.executeUpdate(licenseRecorded);
    await kit.answer(ctx, caller, facts.id, 201);
  });

  const kit = lifecycleRoutes<LicenseTypes, LicenseRow>(router, deps, {
    subject: 'license',
    noun: 'a license',
    title: 'License',
    tag: 'Licenses',
    path: '/licenses',
    table: licenses,
    rules: LicenseLifecycle,
    workflowId: licenseWorkflowId,
    inScope: (scope) => scope.licenses(),
    responses: { one: licenseResponse, page: licensePage, timeline: licenseTimelineResponse },
    listQuery: listLicenses,
    extraFilters: (query: z.infer<typeof listLicenses>) => [
      ...(query.expiresBefore ? [lt(licenses.expiresAt, new Date(query.expiresBefore))] : []),
      ...(query.sourceId ? [eq(licenses.sourceId, query.sourceId)] : []),
    ],
    fields: (row) => ({
      seats: row.seats,
      seatsUsed: row.seatsUsed,
      term: row.term,
      owner: row.owner,
      tag: row.tag,
      accountType: row.accountType,
      poolId: row.poolId,
      accessGroupId: row.accessGroupId,
      sourceId: row.sourceId,
      expiresAt: row.expiresAt.toISOString(),
    }),
    refusalReason: (row) => (row.accountType ? `The lifecycle does not allow it for a license that is ${row.state} and came from a ${row.accountType} account (R13).` : undefined),
  });


  kit.operation({
    method: 'post',
    path: '/licenses/:id/renew',
    name: 'renew',
    doc: {
      operationId: 'renewLicense',
      summary: 'Renew a license',
      description: 'To a date (`expiresAt`), or by a `duration` counted from the current expiry, from now, or from now only if already expired (`basis`). A license in grace or suspended becomes active again. A trial renewed becomes the paid `term` given (annual by default).',
      body: z.union([renewByDate, renewByDuration]),
    },
    prepare: (ctx) => {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const { term, ...terms } = 'expiresAt' in body ? parseInput(renewByDate, body) : parseInput(renewByDuration, body);
      const request: RenewRequest = {
        actor: actorOf(callerOf(ctx)),
        terms: ('expiresAt' in terms ? { expiresAt: Date.parse(terms.expiresAt) } : terms) as RenewalTerms,
        ...(term ? { term } : {}),
      };
      return {
        event: (snapshot, now) => ({ type: 'renew', expiresAt: renewedExpiry(request.terms, snapshot.context.expiresAt, now), at: now }),
        send: (handle) => handle.executeUpdate(renewLicense, { args: [request] }),
      };
    },
  });
  kit.operation({
    method: 'post',
    path: '/licenses/:id/suspend',
    name: 'suspend',
    doc: { operationId: 'suspendLicense', summary: 'Suspend a license now' },
    prepare: (ctx) => ({ event: (_, at) => ({ type: 'suspend', at }), send: (handle) => handle.executeUpdate(suspendLicense, { args: [{ actor: actorOf(callerOf(ctx)) }] }) }),
  });
  kit.operation({
    method: 'post',
    path: '/licenses/:id/resume',
    name: 'resume',
    doc: { operationId: 'resumeLicense', summary: 'Resume a suspended license' },
    prepare: (ctx) => ({ event: (_, at) => ({ type: 'resume', at }), send: (handle) => handle.executeUpdate(resumeLicense, { args: [{ actor: actorOf(callerOf(ctx)) }] }) }),
  });
  kit.operation({
    method: 'delete',
    path: '/licenses/:id',
    name: 'delete',
    doc: {
      operationId: 'deleteLicense',
      summary: 'Delete a license now',
      description: 'A license that came from a source needs `confirm=true`: upstream, deleting it removes every pool of its source, which a 409 without it lists (R14).',
      query: confirmQuery,
    },
    precheck: sourceRemovalPrecheck(db, temporal),
    prepare: (ctx) => ({ event: (_, at) => ({ type: 'delete', at }), send: (handle) => handle.executeUpdate(deleteLicense, { args: [{ actor: actorOf(callerOf(ctx)) }] }) }),
  });
  licenseEditRoute(router, db, kit, licenseResponse);
}

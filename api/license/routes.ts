// Licenses: issue (starts the license's workflow), read, timeline, and the operations
// renew, suspend, resume and delete. Legality comes from the machine before Temporal is
// called; the workflow writes the change before answering, so the caller reads its own write.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { and, asc, eq, lt } from 'drizzle-orm';
import type { WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { licenses } from '../../db/schema.js';
import { addDuration } from '../../machines/lifecycle/duration.js';
import {
  canApply,
  licenseTimeline,
  restoreLicense,
  startLicense,
  stateOf,
  type LicenseEvent,
  type LicenseSnapshot,
  type LicenseState,
} from '../../machines/license/index.js';
import { renewedExpiry, type RenewalTerms } from '../../machines/license/renewal.js';
import { cancelLicense, licenseRecorded, renewLicense, resumeLicense, suspendLicense } from '../../workflows/license/messages.js';
import { ILLEGAL_TRANSITION, licenseWorkflowId, type LicenseFacts, type LicenseLifecycleInput, type LicenseView } from '../../machines/license/contract.js';
import type { licenseLifecycle } from '../../workflows/license/lifecycle.js';
import { LicenseExpiresAt, LicenseState as LicenseStateAttribute } from '../../workflows/search-attributes.js';
import type { AppDependencies } from '../app.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { subjectFilters } from '../lifecycle/list-filters.js';
import { currentCycleNotices } from '../lifecycle/notices.js';
import { nextDeadlineOf, projectedSnapshot } from '../lifecycle/projection.js';
import { sendOrRefuse } from '../lifecycle/refused-update.js';
import { ownerSearchAttributes } from '../lifecycle/search-attributes.js';
import { nextAfter } from '../paging.js';
import { currentPolicy, defaultPolicy } from '../policy/resolve.js';
import { fieldNotFound, illegalTransition, notFound } from '../problem.js';
import { issueLicense, listLicenses, renewByDate, renewByDuration } from '../schemas.js';
import { parseInput } from '../validate.js';
import { documented, type RouteDoc } from '../openapi/route.js';
import { licensePage, licenseResponse, licenseTimelineResponse } from './responses.js';
import { companyOf } from '../company/routes.js';

type LicenseRow = typeof licenses.$inferSelect;

const illegalNow = 'The lifecycle does not allow it in the license\'s current state; `state` and `operation` say which';

export function licenseRoutes(router: Router, deps: AppDependencies): void {
  const { db, temporal, taskQueue } = deps;
  const route = documented(router);

  route.post('/licenses', {
    operationId: 'issueLicense',
    summary: 'Issue a license',
    description: 'Starts the license\'s lifecycle: its notices, grace, suspension and deletion happen on time from now on. Give `expiresAt` or `duration`; a trial may give neither and lasts the policy\'s trial.',
    tag: 'Licenses',
    role: 'operator',
    body: issueLicense,
    responses: { 201: licenseResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const body = parseInput(issueLicense, ctx.request.body);
    const company = await companyOf(db, caller.partnerId, body.companyId).catch(() => { throw fieldNotFound('companyId'); });
    const policyId = body.policyId ?? company.policyId;
    const policy = policyId
      ? await currentPolicy(db, caller.partnerId, policyId).catch(() => { throw fieldNotFound('policyId'); })
      : await defaultPolicy(db, caller.partnerId);
    const now = Date.now();
    const expiresAt = body.expiresAt ? Date.parse(body.expiresAt) : addDuration(now, body.duration ?? policy.trial);
    const license: LicenseFacts = {
      id: crypto.randomUUID(),
      partnerId: caller.partnerId,
      companyId: company.id,
      companyName: company.name,
      product: body.product,
      seats: body.seats,
      term: body.term,
      owner: body.owner,
      // R8: the tag is the company name at issue, and does not follow later renames.
      tag: body.tag ?? company.name,
      accountType: body.accountType ?? null,
      poolId: null,
      accessGroupId: null,
      sourceId: null,
    };
    const input: LicenseLifecycleInput = { license, policy, issue: { expiresAt, actor: actorOf(caller) } };
    // The machine names the first state (trial or active by term); ops can filter on it from the start.
    const [firstSnapshot] = startLicense({ policy, accountType: license.accountType, term: license.term, expiresAt, issuedAt: now });
    const handle = await temporal.workflow.start<typeof licenseLifecycle>('licenseLifecycle', {
      workflowId: licenseWorkflowId(license.id),
      taskQueue,
      args: [input],
      staticSummary: `${company.name} · ${license.product} · ${license.seats} seats`,
      staticDetails: `License ${license.id} (${license.term}, owned by the ${license.owner}) on policy "${policy.name}" v${policy.version}.`,
      typedSearchAttributes: [
        ...ownerSearchAttributes(license),
        { key: LicenseStateAttribute, value: stateOf(firstSnapshot) },
        { key: LicenseExpiresAt, value: new Date(expiresAt) },
      ],
    });
    await handle.executeUpdate(licenseRecorded);
    ctx.status = 201;
    ctx.set('Location', `/v1/licenses/${license.id}`);
    ctx.body = await licenseRepresentation(db, await licenseOf(db, caller.partnerId, license.id), { withNotices: true });
  });

  route.get('/licenses', {
    operationId: 'listLicenses',
    summary: 'List licenses',
    tag: 'Licenses',
    query: listLicenses,
    responses: { 200: licensePage },
  }, async (ctx) => {
    const { partnerId } = callerOf(ctx);
    const query = parseInput(listLicenses, ctx.query);
    const filters = subjectFilters(licenses, partnerId, query);
    if (query.expiresBefore) filters.push(lt(licenses.expiresAt, new Date(query.expiresBefore)));
    const rows = await db.select().from(licenses).where(and(...filters)).orderBy(asc(licenses.id)).limit(query.limit);
    const data = await Promise.all(rows.map((row) => licenseRepresentation(db, row, { withNotices: false })));
    ctx.body = { data, next: nextAfter(rows, query.limit) };
  });

  route.get('/licenses/:id', {
    operationId: 'getLicense',
    summary: 'Read a license, its next deadline and the notices of its cycle',
    tag: 'Licenses',
    responses: { 200: licenseResponse },
  }, async (ctx) => {
    const row = await licenseOf(db, callerOf(ctx).partnerId, ctx.params.id!);
    ctx.body = await licenseRepresentation(db, row, { withNotices: true });
  });

  route.get('/licenses/:id/timeline', {
    operationId: 'getLicenseTimeline',
    summary: 'Every transition and notice to come, with its time',
    tag: 'Licenses',
    responses: { 200: licenseTimelineResponse },
  }, async (ctx) => {
    const row = await licenseOf(db, callerOf(ctx).partnerId, ctx.params.id!);
    const timeline = licenseTimeline(await projectedSnapshot(db, row, restoreLicense));
    ctx.body = {
      id: row.id,
      state: row.state as LicenseState,
      timeline: timeline.map((entry) => ({
        at: new Date(entry.at).toISOString(),
        event: entry.event.type,
        state: entry.state,
        ...(entry.notice ? { notice: entry.notice } : {}),
      })),
    };
  });

  const operation = (
    path: string,
    name: string,
    doc: Pick<RouteDoc, 'operationId' | 'summary' | 'description' | 'body'>,
    run: (handle: WorkflowHandle, ctx: Context, row: LicenseRow) => { event: (snapshot: LicenseSnapshot, now: number) => LicenseEvent; send: () => Promise<LicenseView> },
  ) => {
    route.post(path, { ...doc, tag: 'Licenses', role: 'operator', responses: { 200: licenseResponse }, problems: { 409: illegalNow } }, async (ctx) => {
      const caller = requireRole(ctx, 'operator');
      const row = await licenseOf(db, caller.partnerId, ctx.params.id!);
      const handle = temporal.workflow.getHandle(licenseWorkflowId(row.id));
      const { event, send } = run(handle, ctx, row);
      const snapshot = await projectedSnapshot(db, row, restoreLicense);
      if (!canApply(snapshot, event(snapshot, Date.now()))) throw refusal(name, row, snapshot);
      await answerIllegalAs409(name, row, send);
      ctx.body = await licenseRepresentation(db, await licenseOf(db, caller.partnerId, row.id), { withNotices: true });
    });
  };

  operation('/licenses/:id/renew', 'renew', {
    operationId: 'renewLicense',
    summary: 'Renew a license',
    description: 'To a date (`expiresAt`), or by a `duration` counted from the current expiry, from now, or from now only if already expired (`basis`). A license in grace or suspended becomes active again.',
    body: z.union([renewByDate, renewByDuration]),
  }, (handle, ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const terms: RenewalTerms = 'expiresAt' in body
      ? { expiresAt: Date.parse(parseInput(renewByDate, body).expiresAt) }
      : parseInput(renewByDuration, body);
    const request = { actor: actorOf(callerOf(ctx)), terms };
    return {
      event: (snapshot, now) => ({ type: 'renew', expiresAt: renewedExpiry(request.terms, snapshot.context.expiresAt, now), at: now }),
      send: () => handle.executeUpdate(renewLicense, { args: [request] }),
    };
  });
  operation('/licenses/:id/suspend', 'suspend', { operationId: 'suspendLicense', summary: 'Suspend a license now' }, (handle, ctx) => ({
    event: (_, now) => ({ type: 'suspend', at: now }),
    send: () => handle.executeUpdate(suspendLicense, { args: [{ actor: actorOf(callerOf(ctx)) }] }),
  }));
  operation('/licenses/:id/resume', 'resume', { operationId: 'resumeLicense', summary: 'Resume a suspended license' }, (handle, ctx) => ({
    event: (_, now) => ({ type: 'resume', at: now }),
    send: () => handle.executeUpdate(resumeLicense, { args: [{ actor: actorOf(callerOf(ctx)) }] }),
  }));

  route.delete('/licenses/:id', {
    operationId: 'deleteLicense',
    summary: 'Delete a license now',
    tag: 'Licenses',
    role: 'operator',
    responses: { 200: licenseResponse },
    problems: { 409: illegalNow },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const row = await licenseOf(db, caller.partnerId, ctx.params.id!);
    const snapshot = await projectedSnapshot(db, row, restoreLicense);
    if (!canApply(snapshot, { type: 'cancel', at: Date.now() })) throw refusal('delete', row, snapshot);
    const handle = temporal.workflow.getHandle(licenseWorkflowId(row.id));
    await answerIllegalAs409('delete', row, () => handle.executeUpdate(cancelLicense, { args: [{ actor: actorOf(caller) }] }));
    ctx.body = await licenseRepresentation(db, await licenseOf(db, caller.partnerId, row.id), { withNotices: true });
  });
}

async function licenseOf(db: Database, partnerId: string, licenseId: string): Promise<LicenseRow> {
  const [row] = await db.select().from(licenses).where(and(eq(licenses.id, licenseId), eq(licenses.partnerId, partnerId))).limit(1);
  if (!row) throw notFound('License');
  return row;
}

function refusal(operation: string, row: LicenseRow, snapshot: LicenseSnapshot) {
  const reason =
    snapshot.status === 'done'
      ? 'A deleted license cannot change; issue a new one.'
      : row.accountType
        ? `The lifecycle does not allow it for a license that is ${row.state} and came from a ${row.accountType} account (R13).`
        : `The lifecycle does not allow it for a license that is ${row.state}.`;
  return illegalTransition('a license', operation, row.state, reason);
}

function answerIllegalAs409(operation: string, row: LicenseRow, send: () => Promise<unknown>): Promise<void> {
  return sendOrRefuse(send, ILLEGAL_TRANSITION, (reason) => illegalTransition('a license', operation, row.state, reason));
}

async function licenseRepresentation(db: Database, row: LicenseRow, { withNotices }: { withNotices: boolean }) {
  const snapshot = await projectedSnapshot(db, row, restoreLicense);
  const notices = withNotices ? await currentCycleNotices(db, row) : undefined;
  return {
    id: row.id,
    companyId: row.companyId,
    product: row.product,
    seats: row.seats,
    seatsUsed: row.seatsUsed,
    term: row.term,
    owner: row.owner,
    tag: row.tag,
    accountType: row.accountType,
    poolId: row.poolId,
    sourceId: row.sourceId,
    policy: { id: row.policyId, version: row.policyVersion },
    state: row.state as LicenseState,
    protected: snapshot.hasTag('protected'),
    expiresAt: row.expiresAt.toISOString(),
    cycle: row.cycle,
    nextDeadline: nextDeadlineOf(row),
    ...(notices ? { notices } : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

// Accounts: a company's product instances (R9). Create (starts the account's workflow), read
// with the seats each license lends, timeline, and the operations change seats and delete.
// The engine, not the caller, decides which license each seat uses; the workflow writes every
// change before answering, so the caller reads its own write.
import type Router from '@koa/router';
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { accounts, licenses, partners } from '../../db/schema.js';
import { isEligibleLicense } from '../../machines/account/allocation.js';
import {
  accountStateOf,
  isProtected,
  restoreAccount,
  startAccount,
  type AccountSnapshot,
  type AccountState,
} from '../../machines/account/machine.js';
import { accountTimeline } from '../../machines/account/schedule.js';
import type { accountLifecycle } from '../../workflows/account/lifecycle.js';
import { accountRecorded, changeSeats, deleteAccount } from '../../workflows/account/messages.js';
import { ILLEGAL_ACCOUNT_OPERATION, accountWorkflowId, type AccountFacts, type AccountLifecycleInput } from '../../machines/account/contract.js';
import { AccountState as AccountStateAttribute } from '../../workflows/search-attributes.js';
import type { AppDependencies } from '../app.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { subjectFilters } from '../lifecycle/list-filters.js';
import { currentCycleNotices } from '../lifecycle/notices.js';
import { nextDeadlineOf, projectedSnapshot } from '../lifecycle/projection.js';
import { sendOrRefuse } from '../lifecycle/refused-update.js';
import { ownerSearchAttributes } from '../lifecycle/search-attributes.js';
import { nextAfter } from '../paging.js';
import { currentPolicy, defaultPolicy } from '../policy/resolve.js';
import { Problem, fieldNotFound, illegalTransition, notFound } from '../problem.js';
import { createAccount, listAccounts, updateAccount } from '../schemas.js';
import { parseInput } from '../validate.js';
import { documented } from '../openapi/route.js';
import { accountPage, accountResponse, accountTimelineResponse } from './responses.js';
import { companyOf } from '../company/routes.js';

type AccountRow = typeof accounts.$inferSelect;

export function accountRoutes(router: Router, deps: AppDependencies): void {
  const { db, temporal, taskQueue } = deps;
  const route = documented(router);

  route.post('/accounts', {
    operationId: 'createAccount',
    summary: 'Create an account',
    description: 'A product instance of a company, taking its seats from the company\'s licenses of that product; starts its lifecycle. Monthly (usage-billed) accounts need the monthly programme (R30).',
    tag: 'Accounts',
    role: 'operator',
    body: createAccount,
    responses: { 201: accountResponse },
    problems: { 403: 'A monthly account, and the partner is not in the monthly programme' },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const body = parseInput(createAccount, ctx.request.body);
    const company = await companyOf(db, caller.partnerId, body.companyId).catch(() => { throw fieldNotFound('companyId'); });
    if (body.term === 'monthly') await requireMonthlyProgramme(db, caller.partnerId);
    const policy = company.policyId ? await currentPolicy(db, caller.partnerId, company.policyId) : await defaultPolicy(db, caller.partnerId);
    const account: AccountFacts = {
      id: crypto.randomUUID(),
      partnerId: caller.partnerId,
      companyId: company.id,
      companyName: company.name,
      product: body.product,
      name: body.name,
      term: body.term,
    };
    const creation = {
      actor: actorOf(caller),
      seatsRequested: body.seatsRequested,
      startInTrial: body.trial,
      hasEligibleLicense: await groupHasEligibleLicense(db, account),
    };
    const input: AccountLifecycleInput = { account, policy, creation };
    const firstState = accountStateOf(startAccount({ policy, createdAt: Date.now(), ...creation }).snapshot);
    const handle = await temporal.workflow.start<typeof accountLifecycle>('accountLifecycle', {
      workflowId: accountWorkflowId(account.id),
      taskQueue,
      args: [input],
      staticSummary: `${company.name} · ${account.product} · ${account.name}`,
      staticDetails: `Account ${account.id} (${account.term}${body.trial ? ', started as a trial' : ''}) on policy "${policy.name}" v${policy.version}.`,
      typedSearchAttributes: [...ownerSearchAttributes(account), { key: AccountStateAttribute, value: firstState }],
    });
    await handle.executeUpdate(accountRecorded);
    ctx.status = 201;
    ctx.set('Location', `/v1/accounts/${account.id}`);
    ctx.body = await accountRepresentation(db, await accountOf(db, caller.partnerId, account.id), { withNotices: true });
  });

  route.get('/accounts', { operationId: 'listAccounts', summary: 'List accounts', tag: 'Accounts', query: listAccounts, responses: { 200: accountPage } }, async (ctx) => {
    const { partnerId } = callerOf(ctx);
    const query = parseInput(listAccounts, ctx.query);
    const rows = await db.select().from(accounts).where(and(...subjectFilters(accounts, partnerId, query))).orderBy(asc(accounts.id)).limit(query.limit);
    const data = await Promise.all(rows.map((row) => accountRepresentation(db, row, { withNotices: false })));
    ctx.body = { data, next: nextAfter(rows, query.limit) };
  });

  route.get('/accounts/:id', {
    operationId: 'getAccount',
    summary: 'Read an account, the seats each license lends it and its next deadline',
    tag: 'Accounts',
    responses: { 200: accountResponse },
  }, async (ctx) => {
    const row = await accountOf(db, callerOf(ctx).partnerId, ctx.params.id!);
    ctx.body = await accountRepresentation(db, row, { withNotices: true });
  });

  route.get('/accounts/:id/timeline', {
    operationId: 'getAccountTimeline',
    summary: 'Every transition and notice to come, with its time',
    tag: 'Accounts',
    responses: { 200: accountTimelineResponse },
  }, async (ctx) => {
    const row = await accountOf(db, callerOf(ctx).partnerId, ctx.params.id!);
    const timeline = accountTimeline(await projectedSnapshot(db, row, restoreAccount));
    ctx.body = {
      id: row.id,
      state: row.state as AccountState,
      timeline: timeline.map((entry) => ({
        at: new Date(entry.at).toISOString(),
        event: entry.event,
        from: entry.from,
        to: entry.to,
        notices: entry.notices,
      })),
    };
  });

  route.patch('/accounts/:id', {
    operationId: 'updateAccount',
    summary: 'Change the seats an account requests',
    description: 'The engine re-allocates the seats among the licenses; what none covers is overage.',
    tag: 'Accounts',
    role: 'operator',
    body: updateAccount,
    responses: { 200: accountResponse },
    problems: { 409: 'The account is deleted' },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const row = await accountOf(db, caller.partnerId, ctx.params.id!);
    const body = parseInput(updateAccount, ctx.request.body);
    const snapshot = await projectedSnapshot(db, row, restoreAccount);
    if (snapshot.status === 'done') throw refusal('change seats of', snapshot);
    const handle = temporal.workflow.getHandle(accountWorkflowId(row.id));
    await answerIllegalAs409('change seats of', snapshot, () =>
      handle.executeUpdate(changeSeats, { args: [{ actor: actorOf(caller), seatsRequested: body.seatsRequested }] }),
    );
    ctx.body = await accountRepresentation(db, await accountOf(db, caller.partnerId, row.id), { withNotices: true });
  });

  route.delete('/accounts/:id', {
    operationId: 'deleteAccount',
    summary: 'Delete an account now, without grace or suspension',
    tag: 'Accounts',
    role: 'operator',
    responses: { 200: accountResponse },
    problems: { 409: 'The account is already deleted' },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const row = await accountOf(db, caller.partnerId, ctx.params.id!);
    const snapshot = await projectedSnapshot(db, row, restoreAccount);
    if (!snapshot.can({ type: 'delete', at: Date.now() })) throw refusal('delete', snapshot);
    const handle = temporal.workflow.getHandle(accountWorkflowId(row.id));
    await answerIllegalAs409('delete', snapshot, () => handle.executeUpdate(deleteAccount, { args: [{ actor: actorOf(caller) }] }));
    ctx.body = await accountRepresentation(db, await accountOf(db, caller.partnerId, row.id), { withNotices: true });
  });
}

/** R30: usage-billed accounts belong to the monthly ("flex") programme. */
async function requireMonthlyProgramme(db: Database, partnerId: string): Promise<void> {
  const [partner] = await db.select({ monthlyProgramme: partners.monthlyProgramme }).from(partners).where(eq(partners.id, partnerId)).limit(1);
  if (partner?.monthlyProgramme) return;
  throw new Problem(
    403,
    'monthly_programme_required',
    'Monthly accounts need the monthly programme',
    'Your partner is not enrolled in the monthly (flex) programme: create an annual account, or ask the partner above you to enrol you.',
    { field: 'term' },
  );
}

/** The group as the read model has it; the new workflow re-reads it at once, so a race heals itself. */
async function groupHasEligibleLicense(db: Database, account: AccountFacts): Promise<boolean> {
  const rows = await db
    .select({ id: licenses.id, state: licenses.state, seats: licenses.seats, expiresAt: licenses.expiresAt })
    .from(licenses)
    .where(and(eq(licenses.partnerId, account.partnerId), eq(licenses.companyId, account.companyId), eq(licenses.product, account.product)));
  return rows.some((row) => isEligibleLicense({ ...row, expiresAt: row.expiresAt.getTime() }));
}

async function accountOf(db: Database, partnerId: string, accountId: string): Promise<AccountRow> {
  const [row] = await db.select().from(accounts).where(and(eq(accounts.id, accountId), eq(accounts.partnerId, partnerId))).limit(1);
  if (!row) throw notFound('Account');
  return row;
}

/** A final snapshot is a deleted account: nothing can change it any more. */
function refusal(operation: string, snapshot: AccountSnapshot, detail?: string) {
  const state = accountStateOf(snapshot);
  const reason = detail ?? (snapshot.status === 'done' ? 'A deleted account cannot change; create a new one.' : `The lifecycle does not allow it for an account that is ${state}.`);
  return illegalTransition('an account', operation, state, reason);
}

function answerIllegalAs409(operation: string, snapshot: AccountSnapshot, send: () => Promise<unknown>): Promise<void> {
  return sendOrRefuse(send, ILLEGAL_ACCOUNT_OPERATION, (reason) => refusal(operation, snapshot, reason));
}

async function accountRepresentation(db: Database, row: AccountRow, { withNotices }: { withNotices: boolean }) {
  const notices = withNotices ? await currentCycleNotices(db, row) : undefined;
  // Derived from the state by the machine (R16), as for licenses, never stored beside it.
  const snapshot = await projectedSnapshot(db, row, restoreAccount);
  return {
    id: row.id,
    companyId: row.companyId,
    product: row.product,
    name: row.name,
    term: row.term,
    policy: { id: row.policyId, version: row.policyVersion },
    state: row.state as AccountState,
    protected: isProtected(snapshot),
    seatsRequested: row.seatsRequested,
    seatsAllocated: row.seatsAllocated,
    allocations: row.allocations.map(({ licenseId, seats }) => ({ licenseId, seats })),
    overage: row.overage,
    cycle: row.cycle,
    nextDeadline: nextDeadlineOf(row),
    ...(notices ? { notices } : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

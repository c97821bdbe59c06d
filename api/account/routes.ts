// Accounts: a company's product instances (R9). Create (starts the account's workflow), then
// the routes every lifecycle shares (api/lifecycle/kit.ts) with the seats each license lends,
// and the operations change seats and delete. The engine, not the caller, decides which
// license each seat uses.
import type Router from '@koa/router';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { accounts, licenses, partners } from '../../db/schema.js';
import { isEligibleLicense } from '../../machines/account/allocation.js';
import type { AccountType } from '../../machines/lifecycle/capabilities.js';
import { LIFECYCLE_GENERATION } from '../../machines/lifecycle/contract.js';
import { AccountLifecycle, type AccountEvent, type AccountInput, type AccountScheduledEvent, type AccountSnapshot, type AccountState } from '../../machines/account/index.js';
import { accountWorkflowId, type AccountFacts, type AccountLifecycleInput } from '../../machines/account/contract.js';
import { startAndAwaitFirstState } from '../../platform/lifecycle/first-state.js';
import { accountRecorded, changeSeats, deleteAccount } from '../../workflows/account/messages.js';
import { AccountState as AccountStateAttribute } from '../../workflows/search-attributes.js';
import type { AppDependencies } from '../app.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { companyOf } from '../company/routes.js';
import { lifecycleRoutes } from '../lifecycle/kit.js';
import { subjectSearchAttributes } from '../lifecycle/search-attributes.js';
import { documented } from '../openapi/route.js';
import { policyForSubject } from '../policy/resolve.js';
import { Problem, missingAs } from '../problem.js';
import { createAccount, listAccounts, updateAccount } from '../schemas.js';
import { parseInput } from '../validate.js';
import { accountResponse, accountResponses } from './responses.js';

type AccountRow = typeof accounts.$inferSelect;
type AccountTypes = { snapshot: AccountSnapshot; state: AccountState; event: AccountEvent; input: AccountInput; scheduled: AccountScheduledEvent };

export function accountRoutes(router: Router, deps: AppDependencies): void {
  const { db, temporal, taskQueue } = deps;
  const route = documented(router);

  const kit = lifecycleRoutes<AccountTypes, AccountRow>(router, deps, {
    rules: AccountLifecycle,
    table: accounts,
    responses: accountResponses,
    listQuery: listAccounts,
    fields: (row) => ({
      name: row.name,
      term: row.term,
      seatsRequested: row.seatsRequested,
      seatsAllocated: row.seatsAllocated,
      allocations: row.allocations.map(({ licenseId, seats }) => ({ licenseId, seats })),
      overage: row.overage,
    }),
  });

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
    const company = await companyOf(db, caller.partnerId, body.companyId).catch(missingAs('companyId'));
    if (body.term === 'monthly') await requireMonthlyProgramme(db, caller.partnerId);
    const { policy } = await policyForSubject(db, { partnerId: caller.partnerId, companyId: company.id, product: body.product, explicitPolicyId: null });
    const facts: AccountFacts = {
      id: crypto.randomUUID(),
      partnerId: caller.partnerId,
      companyId: company.id,
      companyName: company.name,
      product: body.product,
      explicitPolicyId: null,
      name: body.name,
      term: body.term,
    };
    const creation = {
      seatsRequested: body.seatsRequested,
      startInTrial: body.trial,
      hasEligibleLicense: await groupHasEligibleLicense(db, facts),
    };
    const input: AccountLifecycleInput = { facts, policy, start: { actor: actorOf(caller), ...creation }, generation: LIFECYCLE_GENERATION };
    const first = AccountLifecycle.start({ policy, createdAt: Date.now(), ...creation }).snapshot;
    // Started and answered as a license's issue is: once its workflow has written the account.
    await startAndAwaitFirstState(temporal, {
      workflowType: 'accountLifecycle',
      recordedUpdate: accountRecorded.name,
      options: {
        workflowId: accountWorkflowId(facts.id),
        taskQueue,
        args: [input],
        // A fresh id: a clash would be a bug, never a retry to absorb.
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `${company.name} · ${facts.product} · ${facts.name}`,
        staticDetails: `Account ${facts.id} (${facts.term}${body.trial ? ', started as a trial' : ''}) on policy "${policy.name}" v${policy.version}.`,
        typedSearchAttributes: [...subjectSearchAttributes(facts), { key: AccountStateAttribute, value: AccountLifecycle.stateOf(first) }],
      },
    }, deps.localWorker);
    await kit.answer(ctx, caller, facts.id, 201);
  });

  kit.operation({
    method: 'patch',
    path: '/accounts/:id',
    name: 'change seats of',
    doc: {
      operationId: 'updateAccount',
      summary: 'Change the seats an account requests',
      description: 'The engine re-allocates the seats among the licenses; what none covers is overage.',
      body: updateAccount,
    },
    prepare: (ctx) => {
      const request = { actor: actorOf(callerOf(ctx)), ...parseInput(updateAccount, ctx.request.body) };
      return {
        event: (_, at) => ({ type: 'seats.changed', seatsRequested: request.seatsRequested, at }),
        send: (handle) => handle.executeUpdate(changeSeats, { args: [request] }),
      };
    },
  });
  kit.plainOperation({ method: 'delete', path: '/accounts/:id', name: 'delete', update: deleteAccount, doc: { operationId: 'deleteAccount', summary: 'Delete an account now, without grace or suspension' } });
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
    .select({ id: licenses.id, state: licenses.state, seats: licenses.seats, expiresAt: licenses.expiresAt, accountType: licenses.accountType })
    .from(licenses)
    .where(and(eq(licenses.partnerId, account.partnerId), eq(licenses.companyId, account.companyId), eq(licenses.product, account.product)));
  return rows.some((row) => isEligibleLicense({ ...row, accountType: row.accountType as AccountType | null, expiresAt: row.expiresAt.getTime() }));
}

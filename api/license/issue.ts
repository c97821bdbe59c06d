// Issuing one license: the checks and facts of `POST /v1/licenses`, then its workflow started
// and its first state written before the answer (platform/lifecycle/first-state.ts), so the
// caller reads its own write. Shared by the single issue and the batch.
import type { z } from 'zod';
import type { Database } from '../../db/client.js';
import type { PolicySubject, ResolvedPolicy } from '../../db/policies.js';
import { LIFECYCLE_GENERATION } from '../../machines/lifecycle/contract.js';
import { addDuration } from '../../machines/lifecycle/duration.js';
import { LicenseLifecycle } from '../../machines/license/index.js';
import { licenseWorkflowId, type LicenseFacts, type LicenseLifecycleInput, type LicenseView } from '../../machines/license/contract.js';
import { startAndAwaitFirstState } from '../../platform/lifecycle/first-state.js';
import { licenseRecorded } from '../../workflows/license/messages.js';
import { LicenseExpiresAt, LicenseState as LicenseStateAttribute } from '../../workflows/search-attributes.js';
import type { AppDependencies } from '../app.js';
import { actorOf, type Caller } from '../auth.js';
import { subjectSearchAttributes } from '../lifecycle/search-attributes.js';
import { policyForSubject } from '../policy/resolve.js';
import { companyToPlaceIn, placeLicense, type CompanyToPlaceIn, type Placement } from '../pool/placement.js';
import { fieldNotFound } from '../problem.js';
import type { issueLicense } from '../schemas.js';
import { scopeOf } from '../scope.js';

export type IssueRequest = z.infer<typeof issueLicense>;

/**
 * What an issue reads before it starts the workflow (company, pool, policy), each read once per
 * request: a batch of a thousand licenses of one company reads its company, pool and policy once.
 */
export function issueLookups(db: Database, caller: Caller) {
  const scope = scopeOf(caller);
  const once = <T>(memo: Map<string, Promise<T>>, key: string, read: () => Promise<T>) => {
    // A failed read is not kept: the next item of the batch asks again.
    if (!memo.has(key)) memo.set(key, read().catch((error: unknown) => { memo.delete(key); throw error; }));
    return memo.get(key)!;
  };
  const companies = new Map<string, Promise<CompanyToPlaceIn>>();
  const placements = new Map<string, Promise<Placement>>();
  const policies = new Map<string, Promise<ResolvedPolicy>>();
  return {
    company: (id: string) =>
      once(companies, id, async () => {
        const company = await companyToPlaceIn(db, caller.partnerId, id);
        if (!company) throw fieldNotFound('companyId');
        return company;
      }),
    placement: (company: CompanyToPlaceIn, poolId: string | undefined) => once(placements, `${company.id}:${poolId ?? ''}`, () => placeLicense(db, scope, company, poolId)),
    policy: (subject: PolicySubject) => once(policies, `${subject.companyId}:${subject.product}:${subject.explicitPolicyId ?? ''}`, () => policyForSubject(db, subject)),
  };
}

export type IssueLookups = ReturnType<typeof issueLookups>;

/** Starts the license's workflow; resolves once its first state is written, with the workflow's view of it. */
export async function issueOne(
  { db, temporal, taskQueue, localWorker }: Pick<AppDependencies, 'db' | 'temporal' | 'taskQueue' | 'localWorker'>,
  caller: Caller,
  body: IssueRequest,
  lookups: IssueLookups = issueLookups(db, caller),
): Promise<LicenseView> {
  const company = await lookups.company(body.companyId);
  const placement = await lookups.placement(company, body.poolId);
  const explicitPolicyId = body.policyId ?? null;
  const { policy } = await lookups.policy({ partnerId: caller.partnerId, companyId: company.id, product: body.product, explicitPolicyId });
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
  const input: LicenseLifecycleInput = { facts, policy, start: { term: body.term, expiresAt, actor: actorOf(caller) }, generation: LIFECYCLE_GENERATION };
  // The machine names the first state (trial or active by term); ops can filter on it from the start.
  const { snapshot: first } = LicenseLifecycle.start({ policy, accountType: facts.accountType, term: body.term, expiresAt, issuedAt: now });
  return startAndAwaitFirstState<LicenseView>(temporal, {
    workflowType: 'licenseLifecycle',
    recordedUpdate: licenseRecorded.name,
    options: {
      workflowId: licenseWorkflowId(facts.id),
      taskQueue,
      args: [input],
      // A fresh id: a clash would be a bug, never a retry to absorb.
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: `${company.name} · ${facts.product} · ${facts.seats} seats`,
      staticDetails: `License ${facts.id} (${body.term}, owned by the ${facts.owner}) on policy "${policy.name}" v${policy.version}.`,
      typedSearchAttributes: [
        ...subjectSearchAttributes(facts),
        { key: LicenseStateAttribute, value: LicenseLifecycle.stateOf(first) },
        { key: LicenseExpiresAt, value: new Date(first.context.expiresAt) },
      ],
    },
  }, localWorker);
}

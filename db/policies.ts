// Policies as workflows and the API use them (machines/lifecycle/policy.ts), and which policy a
// license or account lives by: the one named at issue, else its company's, else the partner's
// choice for its product, else the partner's default (DESIGN §3).
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database, Transaction } from './client.js';
import { defaultPolicyTerms, type LifecyclePolicy } from '../machines/lifecycle/policy.js';
import { preparedOnce } from './prepared.js';
import { companies, policies, productPolicies } from './schema.js';

export function policyFromRow(row: typeof policies.$inferSelect): LifecyclePolicy {
  return {
    id: row.id,
    version: row.version,
    name: row.name,
    trial: row.trial,
    grace: row.grace,
    suspension: row.suspension,
    expiryNotices: row.expiryNotices,
    deletionNotice: row.deletionNotice,
  };
}

/** Whose policy a subject needs: its owner and product, and the policy named at its issue, if any. */
export interface PolicySubject {
  partnerId: string;
  companyId: string;
  product: string;
  /** The policy given when the license was issued; it wins over every default. */
  explicitPolicyId: string | null;
}

/** Where the policy came from, strongest first. */
export type PolicyChoice = 'explicit' | 'company' | 'product' | 'partner_default';

export interface ResolvedPolicy {
  policy: LifecyclePolicy;
  choice: PolicyChoice;
}

/** A policy id that names no policy of the partner: the caller's mistake, never retried. */
export class PolicyNotFound extends Error {
  constructor(readonly policyId: string, readonly choice: PolicyChoice) {
    super(`policy ${policyId} (${choice}) does not exist for this partner`);
    this.name = 'PolicyNotFound';
  }
}

export const DEFAULT_POLICY_NAME = 'Default';

type Reader = Database | Transaction;

/** Every issue, and every cycle of every license, reads its policy's current version. */
const currentVersionOf = preparedOnce((db: Reader) =>
  db
    .select()
    .from(policies)
    .where(and(eq(policies.id, sql.placeholder('policyId')), eq(policies.partnerId, sql.placeholder('partnerId'))))
    .orderBy(desc(policies.version))
    .limit(1)
    .prepare('current_policy_version'),
);

/** A change to a policy is a new version, so its highest version is the current one. */
export async function currentVersion(db: Reader, partnerId: string, policyId: string): Promise<LifecyclePolicy | undefined> {
  const [row] = await currentVersionOf(db).execute({ policyId, partnerId });
  return row && policyFromRow(row);
}

/** The strongest choice a subject has, and its policy's current version (null when the choice names no policy of the partner). */
interface StrongestChoice {
  policyId: string;
  choice: PolicyChoice;
  policy: LifecyclePolicy | null;
}

/**
 * The strongest of the choices that exist (named at issue > its company's > the partner's for
 * its product > the partner's default) with its policy's current version, in one round trip:
 * every issue and every cycle of every license asks. None: the partner has no default policy yet.
 */
async function strongestChoice(db: Reader, subject: PolicySubject): Promise<StrongestChoice | undefined> {
  // The current version comes back as JSON with the fields of a LifecyclePolicy, named as it names them.
  const [row] = await db.execute<{ policyId: string; choice: StrongestChoice['choice']; current: LifecyclePolicy | null }>(sql`
    select chosen.policy_id as "policyId", chosen.choice, (
      select to_jsonb(current_version) from (
        select ${policies.id}, ${policies.version}, ${policies.name}, ${policies.trial}, ${policies.grace}, ${policies.suspension},
               ${policies.expiryNotices} as "expiryNotices", ${policies.deletionNotice} as "deletionNotice"
        from ${policies}
        where ${policies.id} = chosen.policy_id and ${policies.partnerId} = ${subject.partnerId}
        order by ${policies.version} desc limit 1
      ) as current_version
    ) as current
    from (
      select ${subject.explicitPolicyId}::uuid as policy_id, 'explicit' as choice, 1 as strength, 0 as version where ${subject.explicitPolicyId}::uuid is not null
      union all
      select ${companies.policyId}, 'company', 2, 0 from ${companies}
        where ${companies.id} = ${subject.companyId} and ${companies.partnerId} = ${subject.partnerId} and ${companies.policyId} is not null
      union all
      select ${productPolicies.policyId}, 'product', 3, 0 from ${productPolicies}
        where ${productPolicies.partnerId} = ${subject.partnerId} and ${productPolicies.product} = ${subject.product}
      union all
      -- As partnerDefaultPolicy reads it: the latest version named so.
      select ${policies.id}, 'partner_default', 4, ${policies.version} from ${policies}
        where ${policies.partnerId} = ${subject.partnerId} and ${policies.name} = ${DEFAULT_POLICY_NAME}
      order by strength, version desc limit 1
    ) as chosen`);
  return row && { policyId: row.policyId, choice: row.choice, policy: row.current };
}

/** The current version of the policy the subject lives by now; a running subject adopts it at its next cycle. */
export async function resolvePolicy(db: Database, subject: PolicySubject): Promise<ResolvedPolicy> {
  const chosen = await strongestChoice(db, subject);
  if (!chosen) return { policy: await partnerDefaultPolicy(db, subject.partnerId), choice: 'partner_default' };
  if (!chosen.policy) throw new PolicyNotFound(chosen.policyId, chosen.choice);
  return { policy: chosen.policy, choice: chosen.choice };
}

/** The partner's default policy (DESIGN §3 defaults), created the first time one is needed. */
export async function partnerDefaultPolicy(db: Database, partnerId: string): Promise<LifecyclePolicy> {
  const [existing] = await db
    .select()
    .from(policies)
    .where(and(eq(policies.partnerId, partnerId), eq(policies.name, DEFAULT_POLICY_NAME)))
    .orderBy(desc(policies.version))
    .limit(1);
  if (existing) return policyFromRow(existing);
  const [created] = await db
    .insert(policies)
    .values({ id: crypto.randomUUID(), version: 1, partnerId, name: DEFAULT_POLICY_NAME, ...defaultPolicyTerms })
    .returning();
  return policyFromRow(created!);
}

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

/** The current version of the policy the subject lives by now; a running subject adopts it at its next cycle. */
export async function resolvePolicy(db: Database, subject: PolicySubject): Promise<ResolvedPolicy> {
  // Named at issue wins over every default: nothing else needs reading.
  if (subject.explicitPolicyId) return namedPolicy(db, subject.partnerId, subject.explicitPolicyId, 'explicit');
  const [[company], [forProduct]] = await Promise.all([
    db.select({ policyId: companies.policyId }).from(companies).where(and(eq(companies.id, subject.companyId), eq(companies.partnerId, subject.partnerId))).limit(1),
    db.select({ policyId: productPolicies.policyId }).from(productPolicies).where(and(eq(productPolicies.partnerId, subject.partnerId), eq(productPolicies.product, subject.product))).limit(1),
  ]);
  if (company?.policyId) return namedPolicy(db, subject.partnerId, company.policyId, 'company');
  if (forProduct?.policyId) return namedPolicy(db, subject.partnerId, forProduct.policyId, 'product');
  return { policy: await partnerDefaultPolicy(db, subject.partnerId), choice: 'partner_default' };
}

/** The current version of a policy chosen by name; one that does not exist is its chooser's error. */
async function namedPolicy(db: Database, partnerId: string, policyId: string, choice: PolicyChoice): Promise<ResolvedPolicy> {
  const policy = await currentVersion(db, partnerId, policyId);
  if (!policy) throw new PolicyNotFound(policyId, choice);
  return { policy, choice };
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

// Policy reads and the partner's default policy, shared by the routes that need one.
import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { policies } from '../../db/schema.js';
import { defaultPolicyTerms, type LifecyclePolicy } from '../../machines/lifecycle/policy.js';
import { policyFromRow } from '../../db/policies.js';
import { notFound } from '../problem.js';

const DEFAULT_POLICY_NAME = 'Default';

/** A change to a policy is a new version, so its highest version is the current one. */
async function newestVersion(db: Database, which: SQL | undefined) {
  const [row] = await db.select().from(policies).where(which).orderBy(desc(policies.version)).limit(1);
  return row;
}

export async function currentPolicy(db: Database, partnerId: string, policyId: string): Promise<LifecyclePolicy> {
  const row = await newestVersion(db, and(eq(policies.id, policyId), eq(policies.partnerId, partnerId)));
  if (!row) throw notFound('Policy');
  return policyFromRow(row);
}

/** A policy version never changes once written (a change is a new version), so it is read once per process. */
const versions = new Map<string, Promise<LifecyclePolicy>>();

export function policyVersion(db: Database, policyId: string, version: number): Promise<LifecyclePolicy> {
  const key = `${policyId}@${version}`;
  let policy = versions.get(key);
  if (!policy) {
    policy = readPolicyVersion(db, policyId, version);
    versions.set(key, policy);
    policy.catch(() => versions.delete(key));
  }
  return policy;
}

async function readPolicyVersion(db: Database, policyId: string, version: number): Promise<LifecyclePolicy> {
  const [row] = await db.select().from(policies).where(and(eq(policies.id, policyId), eq(policies.version, version))).limit(1);
  if (!row) throw notFound('Policy');
  return policyFromRow(row);
}

/** The partner's default policy (DESIGN §3 defaults), created the first time one is needed. */
export async function defaultPolicy(db: Database, partnerId: string): Promise<LifecyclePolicy> {
  const existing = await newestVersion(db, and(eq(policies.partnerId, partnerId), eq(policies.name, DEFAULT_POLICY_NAME)));
  if (existing) return policyFromRow(existing);
  const [created] = await db
    .insert(policies)
    .values({ id: crypto.randomUUID(), version: 1, partnerId, name: DEFAULT_POLICY_NAME, ...defaultPolicyTerms })
    .returning();
  return policyFromRow(created!);
}

// Policy reads for the routes: the current version of a policy, a version by number, and the
// policy a new license or account lives by (db/policies.ts decides which).
import { and, eq } from 'drizzle-orm';
import type { Database, Transaction } from '../../db/client.js';
import { policies } from '../../db/schema.js';
import type { LifecyclePolicy } from '../../machines/lifecycle/policy.js';
import { PolicyNotFound, currentVersion, partnerDefaultPolicy, policyFromRow, resolvePolicy, type PolicySubject, type ResolvedPolicy } from '../../db/policies.js';
import { fieldNotFound, notFound } from '../problem.js';

/** Read in a transaction too: a change reads the version it follows under its lock. */
export async function currentPolicy(db: Database | Transaction, partnerId: string, policyId: string): Promise<LifecyclePolicy> {
  const policy = await currentVersion(db, partnerId, policyId);
  if (!policy) throw notFound('Policy');
  return policy;
}

/**
 * The policy a license or account issued now lives by: the one named in the request (`policyId`),
 * else its company's, else the partner's for its product, else the partner's default.
 * A named policy that does not exist is the caller's field error.
 */
export async function policyForSubject(db: Database, subject: PolicySubject): Promise<ResolvedPolicy> {
  try {
    return await resolvePolicy(db, subject);
  } catch (error) {
    if (error instanceof PolicyNotFound && error.choice === 'explicit') throw fieldNotFound('policyId');
    throw error;
  }
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
export const defaultPolicy = partnerDefaultPolicy;

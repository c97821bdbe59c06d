// A policy row as the lifecycle policy workflows and the API pass around (machines/lifecycle/policy.ts).
import type { LifecyclePolicy } from '../machines/lifecycle/policy.js';
import type { policies } from './schema.js';

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

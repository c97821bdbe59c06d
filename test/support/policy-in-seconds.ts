// A lifecycle policy for machine tests: every term in seconds, as tests and demos use them.
import type { LifecyclePolicy, PolicyTerms } from '../../machines/lifecycle/policy.js';

export function policyInSeconds(terms: PolicyTerms): LifecyclePolicy {
  return { id: 'pol_seconds', version: 1, name: 'in seconds', ...terms };
}

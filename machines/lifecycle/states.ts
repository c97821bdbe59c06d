// State sets read off the machines themselves, for code that filters stored rows by state
// (SQL, allocation) and so cannot ask a snapshot: the machines stay the only source.
import type { AnyStateMachine } from 'xstate';
import { accountMachine, type AccountState } from '../account/machine.js';
import { licenseMachine, type LicenseState } from '../license/machine.js';

function statesWhere<State extends string>(machine: AnyStateMachine, keep: (node: { type: string; tags: string[] }) => boolean): readonly State[] {
  return Object.entries(machine.states)
    .filter(([, node]) => keep({ type: node.type, tags: [...node.tags] }))
    .map(([name]) => name as State);
}

/** R11: a license protects (and lends seats to accounts) in these states. */
export const protectingLicenseStates = statesWhere<LicenseState>(licenseMachine, (node) => node.tags.includes('protected'));

/** R16: an account protects its users in these states, and no longer once suspended. */
export const protectingAccountStates = statesWhere<AccountState>(accountMachine, (node) => node.tags.includes('protected'));

/** Deleted for good: such rows count nowhere and hold no seats. */
export const finalLicenseStates = statesWhere<LicenseState>(licenseMachine, (node) => node.type === 'final');
export const finalAccountStates = statesWhere<AccountState>(accountMachine, (node) => node.type === 'final');

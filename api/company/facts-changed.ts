// Tells the running license and account workflows of a company that a fact they mirror changed
// (its name: the CompanyName search attribute and the summary ops read in the Temporal UI).
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { and, eq, notInArray } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { accounts, licenses } from '../../db/schema.js';
import { accountWorkflowId } from '../../machines/account/contract.js';
import type { FactsChange } from '../../machines/lifecycle/contract.js';
import { finalAccountStates, finalLicenseStates } from '../../machines/lifecycle/states.js';
import { licenseWorkflowId } from '../../machines/license/contract.js';
import { factsChanged } from '../../workflows/lifecycle/messages.js';

export async function signalCompanyFacts(db: Database, temporal: Client, company: { partnerId: string; id: string }, change: FactsChange): Promise<void> {
  const [liveLicenses, liveAccounts] = await Promise.all([
    db
      .select({ id: licenses.id })
      .from(licenses)
      .where(and(eq(licenses.partnerId, company.partnerId), eq(licenses.companyId, company.id), notInArray(licenses.state, [...finalLicenseStates]))),
    db
      .select({ id: accounts.id })
      .from(accounts)
      .where(and(eq(accounts.partnerId, company.partnerId), eq(accounts.companyId, company.id), notInArray(accounts.state, [...finalAccountStates]))),
  ]);
  const workflowIds = [...liveLicenses.map((row) => licenseWorkflowId(row.id)), ...liveAccounts.map((row) => accountWorkflowId(row.id))];
  await Promise.all(workflowIds.map((workflowId) => temporal.workflow.getHandle(workflowId).signal(factsChanged, change).catch(ignoreClosed)));
}

/** A workflow that closed since its row was read (deleted meanwhile) has nothing left to show. */
function ignoreClosed(error: unknown): void {
  if (!(error instanceof WorkflowNotFoundError)) throw error;
}

// Waits for Temporal's visibility store, which lags the workflows, to list a lifecycle workflow
// in a state: the query ops run in the Temporal UI.
import { eventually, type Tenure } from './tenure.js';

const stateAttribute = { license: 'LicenseState', account: 'AccountState' } as const;

/** The ids of the workflows listed, once the subject's workflow is listed with `state`. */
export function visibleAs(tenure: Tenure, subjectType: 'license' | 'account', id: string, state: string): Promise<string[]> {
  const query = `${stateAttribute[subjectType]} = '${state}' AND WorkflowId = '${subjectType}:${id}'`;
  return eventually(
    async () => {
      const ids: string[] = [];
      for await (const execution of tenure.client.workflow.list({ query })) ids.push(execution.workflowId);
      return ids;
    },
    (ids) => ids.length > 0,
  );
}

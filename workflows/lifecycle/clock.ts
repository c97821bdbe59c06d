// Workflow time. Inside Temporal's workflow sandbox `Date` is replaced by the time of the
// current workflow task, so this is the same on every replay — never the machine's clock.
export const workflowTime: () => number = Date.now;

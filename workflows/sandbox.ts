// How the workflow sandbox is set up before any workflow runs: imported first by ./index.ts, the
// bundle's entry, so it runs once per worker thread, in the V8 context every workflow shares.
//
// No stack traces inside the sandbox. The SDK's promise hook captures a stack for every promise a
// workflow creates, only to answer the Temporal UI's "Stack Trace" query; a license's expiry
// creates about forty, and the captures were a third of the worker's workflow CPU (issue 13:
// replaying a license's full cycle costs 47 ms with them, 32 ms without). Tenure's workflows show
// where they stand on their card instead (state, next deadline, notices in flight: ./lifecycle/
// details.ts). Errors thrown in workflow code keep their message and type, not their frames.
Error.stackTraceLimit = 0;

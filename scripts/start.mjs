// `npm start`: the bootstrap, then Tenure, in this one process. npm runs a script through a
// shell and passes SIGINT and SIGTERM on to that shell only, which dies of it: with `bootstrap &&
// tsx …`, Tenure sat under the tsx CLI, which outlived the shell, and ran on without its terminal.
// In one process, Tenure's parent is that shell, so it sees `kill <npm pid>` end it and stops in
// order as on Ctrl-C (runtime/signals.ts, `whenOrphaned`).
await import('./bootstrap.mjs');
// Only now: on a fresh clone, the bootstrap is what installs tsx.
const { register } = await import('tsx/esm/api');
register();
await import('../runtime/start.ts');

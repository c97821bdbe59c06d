// `npm start`: the bootstrap, then Tenure, in this one process. npm runs a script through a
// shell, and passes SIGINT and SIGTERM on to that shell only: with two commands (`bootstrap &&
// tsx …`) the shell stayed between them and died on the signal, leaving Tenure running without
// its terminal. A single command is run by the shell's exec, so `kill <npm pid>` reaches Tenure,
// which stops in order as on Ctrl-C.
await import('./bootstrap.mjs');
// Only now: on a fresh clone, the bootstrap is what installs tsx.
const { register } = await import('tsx/esm/api');
register();
await import('../runtime/start.ts');

// An embedded server of `npm start` runs in its own process group: Ctrl-C in the terminal reaches
// Tenure alone, which stops the server after the API and the worker that use it. When the
// terminal's Ctrl-C stopped the Temporal dev server too, the worker spent 10-38 s retrying, against
// a server already gone, to report the workflow tasks it had in hand. Out of the terminal's reach,
// a server must still never outlive Tenure.
import type { ChildProcess } from 'node:child_process';

/** If this process exits while `child` runs (a second Ctrl-C, a crash), `child` is asked to stop with `signal`. */
export function stopWithTenure(child: ChildProcess, signal: NodeJS.Signals): void {
  const stop = () => child.kill(signal);
  process.once('exit', stop);
  child.once('exit', () => process.off('exit', stop));
}

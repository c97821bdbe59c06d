// Finds and signals the processes of a server the outage tests break: PostgreSQL serves each
// connection from a child of its postmaster, so freezing the postmaster alone would leave
// open connections answering.
import { execFileSync } from 'node:child_process';

/** `pid` and every process below it, parents before children. */
export function processTree(pid: number): number[] {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const tree = [pid];
  for (let index = 0; index < tree.length; index++) {
    for (const [child, parent] of rows) if (parent === tree[index] && !tree.includes(child)) tree.push(child);
  }
  return tree;
}

/** Sends `signal` to every process of the tree that still exists. */
export function signalTree(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already: an exited backend has nothing left to freeze or thaw.
    }
  }
}

/** The first process whose command line contains `fragment` (a data directory, a port) below `root`. */
export function descendantRunning(root: number, fragment: string): number | undefined {
  const tree = new Set(processTree(root));
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,args='], { encoding: 'utf8' }).trim().split('\n');
  for (const row of rows) {
    const [pid, ...args] = row.trim().split(/\s+/);
    if (tree.has(Number(pid)) && args.join(' ').includes(fragment)) return Number(pid);
  }
  return undefined;
}

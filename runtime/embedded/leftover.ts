// A server of `npm start` runs in its own process group (./stop-with-tenure.ts), so a Tenure killed
// outright (kill -9, the OOM killer) leaves it running, holding its port and its data: the next
// start failed on them until it was killed by hand. The next start now stops such a leftover in
// order first, then starts the server afresh on the same data, so nothing of it is lost.
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a leftover gets to stop in order before it is killed. */
const STOP_WITHIN_MS = 15_000;

/**
 * Stops process `pid` if it is still running with `ownPath` (its data directory or file) on its
 * command line: a process that reused the pid is left alone. Resolves once it has ended.
 */
export async function stopLeftover(pid: number, ownPath: string, signal: NodeJS.Signals, warn?: (message: string) => void): Promise<void> {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !commandOf(pid)?.includes(ownPath)) return;
  // Still the child of a running Tenure, it is no leftover: a second start on the same data must not take it away.
  const parent = parentOf(pid);
  if (parent !== undefined && TENURE_START.test(commandOf(parent) ?? '')) {
    throw new Error(`another Tenure (pid ${parent}) is running on ${ownPath}: stop it first, or give this one a TENURE_DATA_DIR of its own`);
  }
  warn?.(`stopping the server a killed run left running (pid ${pid}) before starting it again on the same data`);
  signalIfRunning(pid, signal);
  const killAt = Date.now() + STOP_WITHIN_MS;
  while (isRunning(pid)) {
    if (Date.now() > killAt) signalIfRunning(pid, 'SIGKILL');
    await sleep(100);
  }
}

/** The command line of `npm start`'s own process, whichever way it was launched. */
const TENURE_START = /scripts\/start\.mjs|runtime\/start\.ts/;

function commandOf(pid: number): string | undefined {
  return ps(pid, 'command');
}

function parentOf(pid: number): number | undefined {
  const parent = Number(ps(pid, 'ppid'));
  return parent > 0 ? parent : undefined;
}

function ps(pid: number, field: 'command' | 'ppid'): string | undefined {
  try {
    return execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined; // not running (ps exits 1), or no ps on this system
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalIfRunning(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ended meanwhile
  }
}

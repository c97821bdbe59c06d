// `npm start` driven as a user's terminal would: free ports, a temporary data directory, its
// own process group (Ctrl-C reaches every process in it), and readiness polled over HTTP.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.js';
import { eventually } from '../support/tenure.js';
import { cleanEnv, collect, type Finished } from './process.js';

export interface Readiness {
  status: string;
  components: Record<string, { ok: boolean; error?: string }>;
}

export interface NpmStartSetup {
  dataDir: string;
  bootstrapKey: string;
  ports: Record<'PORT' | 'TEMPORAL_DEV_PORT' | 'TEMPORAL_UI_PORT' | 'EMBEDDED_POSTGRES_PORT' | 'MAIL_CATCHER_PORT', number>;
  /** http://127.0.0.1:<PORT> */
  api: string;
  start(): ChildProcess;
  /** The /readyz answer, or undefined while nothing answers. */
  readiness(): Promise<Readiness | undefined>;
  /** Polls /readyz until every component is ready. */
  ready(): Promise<Readiness | undefined>;
  /** A request with the bootstrap admin key. */
  request(method: string, path: string, body?: unknown): Promise<Response>;
}

export async function npmStartSetup(): Promise<NpmStartSetup> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenure-start-'));
  const bootstrapKey = `tk_start_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const ports = {
    PORT: await freePort(),
    TEMPORAL_DEV_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    EMBEDDED_POSTGRES_PORT: await freePort(),
    MAIL_CATCHER_PORT: await freePort(),
  };
  const api = `http://127.0.0.1:${ports.PORT}`;
  const readiness = () =>
    fetch(`${api}/readyz`, { signal: AbortSignal.timeout(10_000) })
      .then((response) => response.json() as Promise<Readiness>)
      .catch(() => undefined);
  return {
    dataDir,
    bootstrapKey,
    ports,
    api,
    start: () =>
      spawn('npm', ['start'], {
        // Its own process group, so SIGINT reaches every process in it, as Ctrl-C in a terminal does.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...cleanEnv(),
          ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
          TENURE_DATA_DIR: dataDir,
          TENURE_BOOTSTRAP_KEY: bootstrapKey,
          LOG_LEVEL: 'info',
        },
      }),
    readiness,
    ready: () => eventually(readiness, (answer) => answer?.status === 'ready', { timeoutMs: 150_000, intervalMs: 500 }),
    request: (method, path, body) =>
      fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${bootstrapKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
  };
}

/** Signals every process of the group, as Ctrl-C in a terminal (SIGINT) or a service manager (SIGTERM) does; resolves when npm has exited. */
export async function signalGroup(child: ChildProcess, signal: 'SIGINT' | 'SIGTERM'): Promise<Finished> {
  const finished = collect(child, 60_000);
  process.kill(-child.pid!, signal);
  return finished;
}

export const ctrlC = (child: ChildProcess) => signalGroup(child, 'SIGINT');

export const portIsFree = (port: number) =>
  new Promise<boolean>((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });

/**
 * Whether every process of the group has ended. A zombie has: only its exit status waits to be
 * collected, by init when its parent went first (npm and its shell end at once on SIGTERM).
 */
export const groupIsGone = (pid: number) =>
  execFileSync('ps', ['-A', '-o', 'pgid=,stat='], { encoding: 'utf8' })
    .split('\n')
    .map((row) => row.trim().split(/\s+/))
    .every(([group, state]) => Number(group) !== pid || state!.startsWith('Z'));

/** The pid of the process of `npm start`'s group that runs `command` itself (not the shell that started it). */
export function processOfGroup(group: number, command: RegExp): number {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,args='], { encoding: 'utf8' }).trim().split('\n');
  const found = rows.map((row) => row.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/)).find((match) => match && Number(match[2]) === group && command.test(match[3]!));
  if (!found) throw new Error(`no process of group ${group} runs ${command}`);
  return Number(found[1]);
}

/** Processes still running with `dataDir` on their command line: servers a killed Tenure left behind. */
export function processesUsing(dataDir: string): number[] {
  return execFileSync('ps', ['-A', '-o', 'pid=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((row) => row.trim().match(/^(\d+)\s+(.*)$/))
    .filter((match): match is RegExpMatchArray => match !== null && match[2]!.includes(dataDir) && !match[2]!.startsWith('ps '))
    .map((match) => Number(match[1]));
}

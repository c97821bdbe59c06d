// `npm start` driven as a user's terminal would: free ports, a temporary data directory, its
// own process group (Ctrl-C reaches every process in it), and readiness polled over HTTP.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** Polls /readyz until every component is ready; fails at once, with its stderr, if the last `start()` ends first. */
  ready(): Promise<Readiness | undefined>;
  /** A request with the bootstrap admin key. */
  request(method: string, path: string, body?: unknown): Promise<Response>;
}

export async function npmStartSetup(): Promise<NpmStartSetup> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenure-start-'));
  const bootstrapKey = `tk_start_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const chosen = new Set<number>();
  const ports = {
    PORT: await portKeptFree(chosen),
    TEMPORAL_DEV_PORT: await portKeptFree(chosen),
    TEMPORAL_UI_PORT: await portKeptFree(chosen),
    EMBEDDED_POSTGRES_PORT: await portKeptFree(chosen),
    MAIL_CATCHER_PORT: await portKeptFree(chosen),
  };
  const api = `http://127.0.0.1:${ports.PORT}`;
  const readiness = () =>
    fetch(`${api}/readyz`, { signal: AbortSignal.timeout(10_000) })
      .then((response) => response.json() as Promise<Readiness>)
      .catch(() => undefined);
  let latest: Started | undefined;
  return {
    dataDir,
    bootstrapKey,
    ports,
    api,
    start: () => {
      const child = spawn('npm', ['start'], {
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
      });
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      latest = { child, stderr: () => stderr };
      return child;
    },
    readiness,
    ready: () => untilReady(readiness, latest),
    request: (method, path, body) =>
      fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${bootstrapKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
  };
}

interface Started {
  child: ChildProcess;
  stderr(): string;
}

/** Polls /readyz until every component is ready, unless the `npm start` it waits for ends first: then it fails at once, saying why. */
async function untilReady(readiness: () => Promise<Readiness | undefined>, started: Started | undefined): Promise<Readiness | undefined> {
  if (!started) throw new Error('ready() waits for an npm start: call start() first');
  const { child, stderr } = started;
  const ended = (code: number | null, signal: NodeJS.Signals | null) => new Error(`npm start ended (${signal ?? `exit ${code}`}) before it was ready; its stderr: ${stderr()}`);
  let stopWatching = () => {};
  const endedFirst = new Promise<never>((_, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) reject(ended(child.exitCode, child.signalCode));
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => reject(ended(code, signal));
    child.once('exit', onExit);
    stopWatching = () => child.off('exit', onExit);
  });
  try {
    return await Promise.race([eventually(readiness, (answer) => answer?.status === 'ready', { timeoutMs: 150_000, intervalMs: 500 }), endedFirst]);
  } finally {
    stopWatching();
  }
}

/** The lowest port the kernel hands out when asked for any (`ip_local_port_range`). */
const EPHEMERAL_PORTS_FROM = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

/**
 * A free port below the kernel's ephemeral range. npm start's ports stay the same across the
 * restarts of a test, and are free between them: a port the kernel chose would meanwhile be its to
 * hand to another test file's server or outgoing connection, and the next start would find it taken.
 */
async function portKeptFree(chosen: Set<number>): Promise<number> {
  for (;;) {
    const port = EPHEMERAL_PORTS_FROM - 1 - Math.floor(Math.random() * 10_000);
    if (!chosen.has(port) && (await portIsFree(port))) {
      chosen.add(port);
      return port;
    }
  }
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

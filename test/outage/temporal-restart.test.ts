// The Temporal server dies (SIGKILL) while licenses are expiring and comes back on the same
// SQLite file and port, as the supervisor of `npm start` brings it back: the timers that fell
// due meanwhile fire, and every transition and every notice happens exactly once (issue 14, R19).
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServerOptions, type RunningDevServer } from '../../runtime/embedded/temporal.js';
import { startSmtpServer, type TestSmtpServer } from '../notice/smtp.js';
import { pastDeadline } from '../support/deadlines.js';
import { freePort } from '../support/ports.js';
import { createCompany, createPolicy, inSeconds } from '../support/setup.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { expectEachExpiryOnce } from './exactly-once.js';

const LICENSES = 4;

let scratch: string;
let serverOptions: DevServerOptions;
let server: RunningDevServer;
let smtp: TestSmtpServer;
let tenure: Tenure;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tenure-outage-temporal-'));
  serverOptions = { dataDir: join(scratch, 'temporal'), port: await freePort(), uiPort: await freePort(), namespace: 'default' };
  server = await startDevServer(serverOptions);
  smtp = await startSmtpServer();
  tenure = await startTenure({ temporalAddress: server.address, smtpUrl: smtp.url });
});

afterAll(async () => {
  await tenure?.close();
  await smtp?.stop();
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const states = (ids: string[]) => Promise.all(ids.map(async (id) => (await tenure.api('GET', `/v1/licenses/${id}`)).body.state as string));

describe('the Temporal server restarts mid-expiry', () => {
  it('R19, issue 14: licenses that expire while it is down reach grace once it is back, each transition and notice once', async () => {
    const policyId = await createPolicy(tenure, { grace: 'PT10M', suspension: 'PT10M', expiryNotices: ['PT4S'], deletionNotice: 'PT1M' });
    const companyId = await createCompany(tenure, { noticeEmails: ['it@restart.test'] });
    const ids: string[] = [];
    for (let index = 0; index < LICENSES; index++) {
      const issued = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: inSeconds(6 + 2 * index), policyId });
      expect(issued.status, JSON.stringify(issued.body)).toBe(201);
      ids.push(issued.body.id);
    }
    const lastExpiry = Date.parse((await tenure.api('GET', `/v1/licenses/${ids.at(-1)}`)).body.expiresAt);

    // Mid-expiry: the first license has gone into grace, the last has not yet had its expiring notice.
    await eventually(() => states(ids), (now) => now[0] === 'grace', { timeoutMs: 20_000, intervalMs: 100 });
    process.kill(server.pid, 'SIGKILL');
    await server.exited;
    expect((await states(ids)).at(-1)).toBe('active');

    // Down until every remaining deadline has passed, then back on the same file and port.
    await pastDeadline(lastExpiry);
    server = await startDevServer(serverOptions);

    await expectEachExpiryOnce(tenure, smtp, ids);
    // The API's own client reconnected too: an operation through Temporal works without a restart of Tenure.
    const renewed = await tenure.api('POST', `/v1/licenses/${ids[0]}/renew`, { duration: 'P1Y', basis: 'from_now' });
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    expect(renewed.body.state).toBe('active');
  });

  it('issue 13: keeps its SQLite file written ahead (WAL), so a commit does not wait on the disk, and survived the kill above', async () => {
    // Bytes 18 and 19 of an SQLite file's header are 2 once it is in WAL mode, 1 in the default rollback-journal mode.
    const file = await open(join(serverOptions.dataDir, 'temporal.sqlite'), 'r');
    try {
      const { buffer } = await file.read({ buffer: Buffer.alloc(2), position: 18 });
      expect([...buffer]).toEqual([2, 2]);
    } finally {
      await file.close();
    }
  });
});

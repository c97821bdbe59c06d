import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { runToEnd } from './process.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure({ worker: false });
});
afterAll(() => tenure?.close());

const oneLine = (stderr: string) => stderr.trim().split('\n');

describe('a wrong environment ends the process with one line that names the variable', () => {
  it('TEMPORAL_ADDRESS that is not host:port', async () => {
    const { code, stderr } = await runToEnd('runtime/api-main.ts', { TEMPORAL_ADDRESS: 'temporal.example.com', DATABASE_URL: tenure.databaseUrl });
    expect(code).toBe(1);
    expect(oneLine(stderr)).toEqual(['tenure: TEMPORAL_ADDRESS: must be host:port, e.g. localhost:7233']);
  });

  it('TEMPORAL_ADDRESS where no Temporal answers', async () => {
    const port = await freePort();
    const { code, stderr } = await runToEnd('runtime/api-main.ts', { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, DATABASE_URL: tenure.databaseUrl });
    expect(code).toBe(1);
    expect(oneLine(stderr)).toHaveLength(1);
    expect(stderr).toMatch(new RegExp(`^tenure: TEMPORAL_ADDRESS: cannot reach Temporal at 127\\.0\\.0\\.1:${port}`));
  });

  it('DATABASE_URL where no PostgreSQL answers, for the worker as for the API', async () => {
    const port = await freePort();
    for (const script of ['runtime/api-main.ts', 'runtime/worker-main.ts']) {
      const { code, stderr } = await runToEnd(script, {
        TEMPORAL_ADDRESS: tenure.temporalAddress,
        DATABASE_URL: `postgres://tenure:tenure@127.0.0.1:${port}/tenure`,
        SMTP_URL: 'smtp://127.0.0.1:2525',
      });
      expect(code, script).toBe(1);
      expect(oneLine(stderr), script).toHaveLength(1);
      expect(stderr, script).toMatch(new RegExp(`^tenure: DATABASE_URL: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/tenure`));
    }
  });

  it('issue 14: production with an external Temporal and no TENURE_PAYLOAD_KEYS, a malformed key, a bad webhook allow-list entry', async () => {
    const external = { TEMPORAL_ADDRESS: tenure.temporalAddress, DATABASE_URL: tenure.databaseUrl, SMTP_URL: 'smtp://127.0.0.1:2525' };
    for (const script of ['runtime/api-main.ts', 'runtime/worker-main.ts']) {
      const missing = await runToEnd(script, { ...external, TENURE_MODE: 'production' });
      expect(missing.code, script).toBe(1);
      expect(oneLine(missing.stderr), script).toHaveLength(1);
      expect(missing.stderr, script).toMatch(/^tenure: TENURE_PAYLOAD_KEYS: is required in production with an external Temporal/);
    }
    const shortKey = await runToEnd('runtime/api-main.ts', { ...external, TENURE_PAYLOAD_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` });
    expect(shortKey.code).toBe(1);
    expect(oneLine(shortKey.stderr)).toEqual(['tenure: TENURE_PAYLOAD_KEYS: key "k1" is 16 bytes; AES-256 needs 32 (make one with: openssl rand -base64 32)']);
    const allow = await runToEnd('runtime/api-main.ts', { ...external, TENURE_WEBHOOK_ALLOW: '127.0.0.1, not a host!' });
    expect(allow.code).toBe(1);
    expect(oneLine(allow.stderr)[0]).toMatch(/^tenure: TENURE_WEBHOOK_ALLOW: webhook allow-list entry "not a host!"/);
  });

  it('DATABASE_URL that is not a postgres URL, and a PORT out of range', async () => {
    const wrongUrl = await runToEnd('runtime/api-main.ts', { DATABASE_URL: 'mysql://localhost/tenure' });
    expect(wrongUrl.code).toBe(1);
    expect(oneLine(wrongUrl.stderr)).toEqual(['tenure: DATABASE_URL: must be a postgres:// URL']);
    const wrongPort = await runToEnd('runtime/api-main.ts', { DATABASE_URL: tenure.databaseUrl, PORT: '70000' });
    expect(wrongPort.code).toBe(1);
    expect(oneLine(wrongPort.stderr)[0]).toMatch(/^tenure: PORT: /);
  });

  it('TENURE_WORKFLOW_CACHE that is not a count of workflows', async () => {
    const words = await runToEnd('runtime/worker-main.ts', { DATABASE_URL: tenure.databaseUrl, TENURE_WORKFLOW_CACHE: 'lots' });
    expect(words.code).toBe(1);
    expect(oneLine(words.stderr)[0]).toMatch(/^tenure: TENURE_WORKFLOW_CACHE: /);
    const negative = await runToEnd('runtime/worker-main.ts', { DATABASE_URL: tenure.databaseUrl, TENURE_WORKFLOW_CACHE: '-1' });
    expect(negative.code).toBe(1);
    expect(oneLine(negative.stderr)[0]).toMatch(/^tenure: TENURE_WORKFLOW_CACHE: /);
  });
});

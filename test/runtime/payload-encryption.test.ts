// Issue 14: a Temporal operator reading histories (`temporal workflow show`) sees no company name
// or e-mail address in any payload of a license, its notice's delivery included; the installation's operator
// reads them through the codec endpoint, which refuses everyone else.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../db/schema.js';
// @ts-expect-error plain ESM helper shared with the dependency-free bootstrap
import { findTemporalCli } from '../../scripts/temporal-cli.mjs';
import { createCompany, createKey, createManagedPartner, createPolicy, inSeconds, issueLicense } from '../support/setup.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { testPayloadCodec } from '../support/payload-keys.js';
import { untilNoticeDeliveriesSettled } from '../notice/deliveries.js';

const COMPANY = 'Quietly Encrypted Widgets Ltd';
const EMAIL = 'renewals.desk@quiet-widgets.test';
const run = promisify(execFile);

let tenure: Tenure;
let licenseId: string;
beforeAll(async () => {
  tenure = await startTenure();
  const policyId = await createPolicy(tenure, { expiryNotices: ['PT2S'], grace: 'PT60S', suspension: 'PT60S' });
  const companyId = await createCompany(tenure, { name: COMPANY, noticeEmails: [EMAIL] });
  licenseId = await issueLicense(tenure, { companyId, policyId, expiresAt: inSeconds(3) });
  // Both ways a notice goes out: the expiring one (a deadline's) with the write that made it,
  // the suspended one (a caller's) through its own activity.
  await eventually(
    () => tenure.db.select().from(outbox).where(eq(outbox.subjectId, licenseId)),
    (rows) => rows.some((row) => row.kind === 'expiring' && row.status === 'sent'),
  );
  expect((await tenure.api('POST', `/v1/licenses/${licenseId}/suspend`)).status).toBe(200);
  await eventually(
    () => tenure.db.select().from(outbox).where(eq(outbox.subjectId, licenseId)),
    (rows) => rows.some((row) => row.kind === 'suspended' && row.status === 'sent'),
  );
  // The delivery's result (naming the recipient) is in the license's history once its activity has completed.
  await untilNoticeDeliveriesSettled(tenure.client, [`license:${licenseId}`]);
});
afterAll(() => tenure?.close());

/** `temporal workflow show` as an operator runs it, JSON out; with a codec endpoint when given one. */
async function show(workflowId: string, codec?: { auth: string }): Promise<unknown> {
  const args = ['workflow', 'show', '--workflow-id', workflowId, '--address', tenure.temporalAddress, '--output', 'json'];
  if (codec) args.push('--codec-endpoint', `${tenure.url}/codec`, '--codec-auth', codec.auth);
  const { stdout } = await run(findTemporalCli() as string, args, { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout);
}

/** Every string in the output, with base64 payload data decoded, leaving out search attributes (in clear by design). */
function readableText(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') found.push(value);
  else if (Array.isArray(value)) for (const item of value) readableText(item, found);
  else if (value && typeof value === 'object') {
    for (const [name, child] of Object.entries(value)) {
      if (name === 'searchAttributes') continue;
      if (name === 'data' && typeof child === 'string') found.push(Buffer.from(child, 'base64').toString('latin1'));
      readableText(child, found);
    }
  }
  return found;
}

/**
 * The `encoding` of every payload in the output, decoded. A local activity's marker carries, beside
 * its (encrypted) result, the SDK's own bookkeeping under `data` (sequence, attempt, activity type,
 * times); a patch marker carries only the patch's name (`notices-delivered-in-lifecycle`). Both are
 * written by the SDK core, outside any codec, and never hold a payload of Tenure's.
 */
function encodings(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) encodings(item, found);
  else if (value && typeof value === 'object') {
    const markerName = (value as { markerName?: unknown }).markerName;
    const localActivityMarker = markerName === 'core_local_activity';
    for (const [name, child] of Object.entries(value)) {
      if (name === 'searchAttributes') continue;
      if (markerName === 'core_patch' && name === 'details') continue;
      if (localActivityMarker && name === 'details') {
        encodings((child as { result?: unknown }).result, found);
        continue;
      }
      if (name === 'metadata' && child && typeof (child as { encoding?: unknown }).encoding === 'string') {
        found.push(Buffer.from((child as { encoding: string }).encoding, 'base64').toString());
      } else encodings(child, found);
    }
  }
  return found;
}

describe('payload encryption', () => {
  it('a license history, its notice delivery included, holds no company name or e-mail address in any payload', async () => {
    const history = await show(`license:${licenseId}`);
    expect(JSON.stringify(history)).toContain('deliverNotice');
    const text = readableText(history).join('\n');
    expect(text).not.toContain(COMPANY);
    expect(text).not.toContain(EMAIL);
    const found = encodings(history);
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found)).toEqual(new Set(['binary/encrypted']));
    // Search attributes are the exception, by design: CompanyName is there for ops to filter on. E-mail addresses are nowhere.
    expect(JSON.stringify(history)).not.toContain(EMAIL);
  }, 30_000);

  it("the workflow's current details (the Temporal UI's card) are encrypted too", async () => {
    const { queryResult } = await tenure.client.workflowService.queryWorkflow({
      namespace: 'default',
      execution: { workflowId: `license:${licenseId}` },
      query: { queryType: '__temporal_workflow_metadata' },
    });
    const [payload] = queryResult!.payloads!;
    expect(Buffer.from(payload!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(payload!.data!).toString('latin1')).not.toContain(COMPANY);
    const [decoded] = await testPayloadCodec.decode([payload!]);
    expect(Buffer.from(decoded!.data!).toString()).toContain(COMPANY);
  });

  it("the codec endpoint shows the payloads to the installation's admin key, as the CLI and the UI ask for them", async () => {
    const decoded = await show(`license:${licenseId}`, { auth: `Bearer ${tenure.adminKey}` });
    expect(readableText(decoded).join('\n')).toContain(COMPANY);
    expect(readableText(decoded).join('\n')).toContain(EMAIL);
  }, 30_000);

  it('the codec endpoint answers 401 without a key, to a viewer key and to a managed partner admin key', async () => {
    const { history } = await tenure.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: `license:${licenseId}` } });
    const input = history!.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const body = JSON.stringify({
      payloads: [{ metadata: Object.fromEntries(Object.entries(input.metadata!).map(([name, value]) => [name, Buffer.from(value).toString('base64')])), data: Buffer.from(input.data!).toString('base64') }],
    });
    const decode = (authorization?: string) =>
      fetch(`${tenure.url}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body });

    const allowed = await decode(`Bearer ${tenure.adminKey}`);
    expect(allowed.status).toBe(200);
    const [plain] = ((await allowed.json()) as { payloads: { data: string }[] }).payloads;
    expect(Buffer.from(plain!.data, 'base64').toString()).toContain(COMPANY);

    const viewer = await createKey(tenure, 'viewer');
    const managed = await createManagedPartner(tenure, 'Reseller Ltd');
    for (const authorization of [undefined, 'Bearer not-a-key', `Bearer ${viewer.secret}`, `Bearer ${managed.adminKey.secret}`]) {
      const refused = await decode(authorization);
      expect(refused.status, authorization).toBe(401);
      expect(await refused.text()).not.toContain(COMPANY);
    }
  });
});

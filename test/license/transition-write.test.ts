// A transition is written in one statement (issue 13). A local activity whose worker died after
// the commit runs again with the same revision: the write must change nothing, and still answer
// the webhook deliveries the first attempt made, or its events would never be sent.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicenseActivities, type LicenseTransitionRecord } from '../../activities/license/record.js';
import { createImmediateNotices } from '../../activities/notice/immediate.js';
import { createMailer } from '../../activities/notice/transport.js';
import { createLogger } from '../../platform/logger.js';
import { auditLog, licenses, webhookDeliveries } from '../../db/schema.js';
import type { AccountType } from '../../machines/lifecycle/capabilities.js';
import type { LicenseContext, LicenseState } from '../../machines/license/index.js';
import { createCompany, issueLicense } from '../support/setup.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { startWebhookReceiver, type WebhookReceiver } from '../api/webhook-receiver.js';

let tenure: Tenure;
let receiver: WebhookReceiver;
let companyId: string;
beforeAll(async () => {
  [tenure, receiver] = await Promise.all([startTenure(), startWebhookReceiver()]);
  companyId = await createCompany(tenure, { name: 'Retry Corp' });
  const subscribed = await tenure.api('POST', '/v1/webhooks', { url: receiver.url('/retry'), events: ['license.*'] });
  expect(subscribed.status, JSON.stringify(subscribed.body)).toBe(201);
});
afterAll(async () => {
  await receiver?.close();
  await tenure?.close();
});

/** The issue's write as its workflow sent it, rebuilt from what it wrote: what a retried attempt sends again. */
async function issueRecordOf(id: string): Promise<LicenseTransitionRecord> {
  const [row] = await tenure.db.select().from(licenses).where(eq(licenses.id, id));
  const [issued] = await tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, id), eq(auditLog.action, 'license.issued')));
  const { partnerId, product, seats, owner, tag, accountType, poolId, accessGroupId, sourceId } = row!;
  return {
    license: { id, partnerId, companyId, companyName: 'Retry Corp', product, explicitPolicyId: null, seats, owner, tag, accountType: accountType as AccountType | null, poolId, accessGroupId, sourceId },
    state: 'active' satisfies LicenseState,
    context: row!.lifecycle as LicenseContext,
    policyId: row!.policyId,
    policyVersion: row!.policyVersion,
    revision: 1,
    nextDeadline: { event: row!.nextDeadlineEvent!, at: row!.nextDeadlineAt!.getTime() },
    audit: { action: 'license.issued', actor: issued!.actor, at: issued!.at.getTime(), after: issued!.after as Record<string, unknown> },
    notices: [],
    sendNoticesNow: false,
  };
}

/** The worker's recording activities over this Tenure's database; these writes make no notices, so no mail server is needed. */
const recordingActivities = () =>
  createLicenseActivities(tenure.db, createImmediateNotices({ db: tenure.db, mailer: createMailer(undefined, 'notices@tenure.test'), logger: createLogger('silent') }));

const deliveriesOfEvent = async (eventId: string) =>
  (await tenure.db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.eventId, eventId))).map((row) => row.id);

describe('a transition written again after a crash', () => {
  it('R32: changes nothing and answers the webhook deliveries the first attempt made', async () => {
    const id = await issueLicense(tenure, { companyId });
    const firstDeliveries = await deliveriesOfEvent(`license:${id}:1`);
    expect(firstDeliveries).toHaveLength(1);
    const [before] = await tenure.db.select().from(licenses).where(eq(licenses.id, id));

    const again = await recordingActivities().recordLicenseTransition(await issueRecordOf(id));

    expect(again.webhookDeliveryIds).toEqual(firstDeliveries);
    expect(await deliveriesOfEvent(`license:${id}:1`)).toEqual(firstDeliveries);
    expect(await tenure.db.select().from(auditLog).where(eq(auditLog.subjectId, id))).toHaveLength(1);
    expect((await tenure.db.select().from(licenses).where(eq(licenses.id, id)))[0]).toEqual(before);
  });

  it('an attempt older than the last written revision does not undo it', async () => {
    const id = await issueLicense(tenure, { companyId });
    const stale = await issueRecordOf(id);
    const renewed = await tenure.api('POST', `/v1/licenses/${id}/renew`, { duration: 'P1Y' });
    expect(renewed.status).toBe(200);

    await recordingActivities().recordLicenseTransition(stale);

    const read = await tenure.api('GET', `/v1/licenses/${id}`);
    expect(read.body).toMatchObject({ expiresAt: renewed.body.expiresAt, cycle: renewed.body.cycle, updatedAt: renewed.body.updatedAt });
    expect((await tenure.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.subjectId, id))).map((entry) => entry.action)).toEqual(['license.issued', 'license.renewed']);
  });
});

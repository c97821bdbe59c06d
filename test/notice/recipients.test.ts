import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { auditLog, outbox } from '../../db/schema.js';
import { deliveryFailure as deliveryEnded } from './deliveries.js';
import { eventually } from '../support/tenure.js';
import { startTenureWithSmtp, type TenureWithSmtp } from './tenure-with-smtp.js';
import { createCompany, inSeconds } from '../support/setup.js';

const PARTNER_CONTACT = 'renewals@secureit.test';

let tenure: TenureWithSmtp;
beforeAll(async () => {
  tenure = await startTenureWithSmtp();
});
afterAll(() => tenure?.close());

const setPartnerContact = async (contactEmail: string | null) =>
  expect((await tenure.api('PATCH', '/v1/partner', { contactEmail })).status).toBe(200);

/** A license suspended by hand: its `suspended` notice falls due at once. */
async function suspendedNotice(companyFields: Record<string, unknown>) {
  const companyId = await createCompany(tenure, companyFields);
  const issued = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 3, term: 'annual', expiresAt: inSeconds(3600) });
  expect((await tenure.api('POST', `/v1/licenses/${issued.body.id}/suspend`)).status).toBe(200);
  const [notice] = await tenure.db.select().from(outbox).where(and(eq(outbox.subjectId, issued.body.id), eq(outbox.kind, 'suspended')));
  return notice!;
}

const settled = (key: string) =>
  eventually(
    async () => (await tenure.db.select().from(outbox).where(eq(outbox.key, key)))[0]!,
    (row) => row.status !== 'pending',
  );

const noticeAudit = async (subjectId: string) =>
  (await tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, subjectId), like(auditLog.action, 'notice.%')))).map((row) => row.action);

/** How the notice's delivery ended in its license's history: the failure type Temporal stopped on, or undefined once sent or skipped. */
const deliveryFailure = (notice: { key: string; subjectType: string; subjectId: string }) => deliveryEnded(tenure.client, notice);

describe('who receives a notice, and what happens when nobody can', () => {
  it('R19: an address the server refuses for good (550) is recorded as failed, in the audit log, and not retried', async () => {
    await setPartnerContact(null);
    tenure.smtp.refuse.add('gone@acme.test');
    const notice = await suspendedNotice({ noticeEmails: ['gone@acme.test'] });

    expect(await deliveryFailure(notice)).toBe('MailRejected');
    const row = await settled(notice.key);
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/gone@acme\.test.*550/);
    expect(await noticeAudit(notice.subjectId)).toEqual(['notice.failed']);
    // deliveryFailure waited for the delivery activity to fail for good: no retry can follow.
    expect(tenure.smtp.recipientAttempts.filter((address) => address === 'gone@acme.test')).toHaveLength(1);
    expect(tenure.smtp.mailsFor(notice.key)).toEqual([]);
  });

  it('R19: when one address is refused, the others still get the notice and the refusal is on record', async () => {
    await setPartnerContact(PARTNER_CONTACT);
    tenure.smtp.refuse.add('typo@acme.test');
    const notice = await suspendedNotice({ noticeEmails: ['it@acme.test', 'typo@acme.test'] });

    const row = await settled(notice.key);
    expect(row.status).toBe('sent');
    expect(row.recipients!.sort()).toEqual(['it@acme.test', PARTNER_CONTACT].sort());
    expect(row.error).toMatch(/typo@acme\.test.*550/);
    expect(tenure.smtp.mailsFor(notice.key).map((mail) => mail.envelopeTo.sort())).toEqual([['it@acme.test', PARTNER_CONTACT].sort()]);
    expect(await noticeAudit(notice.subjectId)).toEqual(['notice.sent']);
  });

  it('a company without notice addresses, under a partner without a contact, fails clearly instead of retrying', async () => {
    await setPartnerContact(null);
    const notice = await suspendedNotice({ noticeEmails: [] });

    expect(await deliveryFailure(notice)).toBe('NoRecipients');
    const row = await settled(notice.key);
    expect(row).toMatchObject({ status: 'failed', error: expect.stringMatching(/no recipients/) });
    expect(await noticeAudit(notice.subjectId)).toEqual(['notice.failed']);
  });

  it('an opted-out kind no longer reaches the company, but still reaches the partner’s contact', async () => {
    await setPartnerContact(PARTNER_CONTACT);
    const notice = await suspendedNotice({ noticeEmails: ['quiet@acme.test'], noticeOptOuts: ['suspended'] });

    expect(await settled(notice.key)).toMatchObject({ status: 'sent', recipients: [PARTNER_CONTACT] });
    expect(tenure.smtp.mailsFor(notice.key).map((mail) => mail.envelopeTo)).toEqual([[PARTNER_CONTACT]]);
  });

  it('an opted-out kind with nobody else to tell is skipped, and the audit log says so', async () => {
    await setPartnerContact(null);
    const notice = await suspendedNotice({ noticeEmails: ['quiet@acme.test'], noticeOptOuts: ['suspended'] });

    expect(await deliveryFailure(notice)).toBeUndefined();
    expect(await settled(notice.key)).toMatchObject({ status: 'skipped', error: expect.stringMatching(/opted out of suspended/) });
    expect(await noticeAudit(notice.subjectId)).toEqual(['notice.skipped']);
    expect(tenure.smtp.mailsFor(notice.key)).toEqual([]);
    const listed = await tenure.api('GET', `/v1/outbox?subjectId=${notice.subjectId}&status=skipped`);
    expect(listed.body.data.map((row: { key: string }) => row.key)).toEqual([notice.key]);
  });

  it('deletion warnings cannot be opted out: 422 naming the entry', async () => {
    const created = await tenure.api('POST', '/v1/companies', { name: 'Quiet Corp', noticeOptOuts: ['expiring', 'deletion_warning'] });
    expect(created.status).toBe(422);
    expect(created.body).toMatchObject({ code: 'invalid_input', field: 'noticeOptOuts.1' });
    expect(created.body.detail).toMatch(/deletion warnings cannot be opted out/);

    const companyId = await createCompany(tenure, { name: 'Quiet Corp' });
    const patched = await tenure.api('PATCH', `/v1/companies/${companyId}`, { noticeOptOuts: ['deletion_warning'] });
    expect(patched.status).toBe(422);
    expect(patched.body.field).toBe('noticeOptOuts.0');
    expect((await tenure.api('PATCH', `/v1/companies/${companyId}`, { noticeOptOuts: ['holiday_greetings'] })).body.field).toBe('noticeOptOuts.0');
  });

  it('GET /v1/outbox/:id shows what would be sent while a notice is still pending', async () => {
    await setPartnerContact(PARTNER_CONTACT);
    await tenure.smtp.stop();
    try {
      const notice = await suspendedNotice({ name: 'Acme Pending', locale: 'fr', noticeEmails: ['it@pending.acme.test'] });
      const detail = await tenure.api('GET', `/v1/outbox/${notice.id}`);
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({ status: 'pending', messageId: null, locale: 'fr' });
      expect(detail.body.recipients.sort()).toEqual(['it@pending.acme.test', PARTNER_CONTACT].sort());
      expect(detail.body.mail.subject).toBe('Licence endpoint-protection suspendue (Acme Pending) : les appareils ne sont plus protégés');
    } finally {
      await tenure.smtp.start();
    }
  });
});

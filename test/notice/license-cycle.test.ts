import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inArray } from 'drizzle-orm';
import { outbox } from '../../db/schema.js';
import { eventually } from '../support/tenure.js';
import { noticesDeliveredByActivity } from './deliveries.js';
import { expectReadable, locales, startTenureForReading, type Locale } from './reading.js';
import type { TenureWithSmtp } from './tenure-with-smtp.js';
import { createCompany, createPolicy, inSeconds } from '../support/setup.js';

type Kind = 'expiring' | 'grace_started' | 'grace_halfway' | 'suspended' | 'deletion_warning' | 'deleted' | 'restored';

/** What a reader of each language sees in the subject of each kind. */
const subjects: Record<Locale, Record<Kind, RegExp>> = {
  en: {
    expiring: /^endpoint-protection license for Acme en expires in [24] seconds$/,
    grace_started: /^endpoint-protection license for Acme en has expired: suspension in (4|30) seconds$/,
    grace_halfway: /^Reminder: endpoint-protection license for Acme en will be suspended on /,
    suspended: /^endpoint-protection license for Acme en is suspended: devices are not protected$/,
    deletion_warning: /^endpoint-protection license for Acme en will be deleted on /,
    deleted: /^endpoint-protection license for Acme en has been deleted$/,
    restored: /^endpoint-protection license for Acme en is active again$/,
  },
  fr: {
    expiring: /^Votre licence endpoint-protection \(Acme fr\) expire dans [24] secondes$/,
    grace_started: /^Licence endpoint-protection expirée \(Acme fr\) : suspension dans (4|30) secondes$/,
    grace_halfway: /^Rappel : la licence endpoint-protection \(Acme fr\) sera suspendue le /,
    suspended: /^Licence endpoint-protection suspendue \(Acme fr\) : les appareils ne sont plus protégés$/,
    deletion_warning: /^La licence endpoint-protection \(Acme fr\) sera supprimée le /,
    deleted: /^Licence endpoint-protection supprimée \(Acme fr\)$/,
    restored: /^Licence endpoint-protection \(Acme fr\) de nouveau active$/,
  },
  pl: {
    expiring: /^Licencja endpoint-protection dla firmy Acme pl wygaśnie za [24] sekundy$/,
    grace_started: /^Licencja endpoint-protection dla firmy Acme pl wygasła – zawieszenie za (4 sekundy|30 sekund)$/,
    grace_halfway: /^Przypomnienie: licencja endpoint-protection dla firmy Acme pl zostanie zawieszona – /,
    suspended: /^Licencja endpoint-protection dla firmy Acme pl została zawieszona – urządzenia nie są chronione$/,
    deletion_warning: /^Licencja endpoint-protection dla firmy Acme pl zostanie trwale usunięta – /,
    deleted: /^Licencja endpoint-protection dla firmy Acme pl została usunięta$/,
    restored: /^Licencja endpoint-protection dla firmy Acme pl jest znów aktywna$/,
  },
};

let tenure: TenureWithSmtp;
beforeAll(async () => void (tenure = await startTenureForReading()));
afterAll(() => tenure?.close());

describe('notices of a full license cycle, over SMTP', () => {
  it('R19, R20: every kind reaches the company and the partner exactly once, in the company’s language, with dates in the partner’s time zone', async () => {
    const lapsing = await createPolicy(tenure, { grace: 'PT4S', suspension: 'PT6S', expiryNotices: ['PT4S', 'PT2S'], deletionNotice: 'PT3S' });
    const renewable = await createPolicy(tenure, { grace: 'PT30S', suspension: 'PT30S', expiryNotices: [], deletionNotice: 'PT10S' });
    const companies = new Map<string, Locale>();
    const lapsed: string[] = [];
    const renewed: string[] = [];
    for (const locale of locales) {
      const companyId = await createCompany(tenure, { name: `Acme ${locale}`, locale, noticeEmails: [`it@${locale}.acme.test`] });
      companies.set(companyId, locale);
      const issue = async (policyId: string, expiresIn: number) => {
        const answer = await tenure.api('POST', '/v1/licenses', {
          companyId, product: 'endpoint-protection', seats: 10, term: 'annual', expiresAt: inSeconds(expiresIn), policyId,
        });
        expect(answer.status).toBe(201);
        return answer.body.id as string;
      };
      lapsed.push(await issue(lapsing, 6));
      renewed.push(await issue(renewable, 2));
    }

    // A license renewed during grace is restored; the other runs to deletion.
    for (const id of renewed) {
      await eventually(async () => (await tenure.api('GET', `/v1/licenses/${id}`)).body.state, (state) => state === 'grace');
      expect((await tenure.api('POST', `/v1/licenses/${id}/renew`, { duration: 'P1Y', basis: 'from_now' })).status).toBe(200);
    }
    for (const id of lapsed) {
      await eventually(async () => (await tenure.api('GET', `/v1/licenses/${id}`)).body.state, (state) => state === 'deleted', { timeoutMs: 40_000 });
    }
    const notices = await eventually(
      () => tenure.db.select().from(outbox).where(inArray(outbox.subjectId, [...lapsed, ...renewed])),
      (rows) => rows.length === 27 && rows.every((row) => row.status !== 'pending'),
    );

    expect(notices.every((notice) => notice.status === 'sent')).toBe(true);
    expect(tenure.smtp.received).toHaveLength(notices.length);
    for (const notice of notices) {
      const locale = companies.get(notice.companyId)!;
      const mails = tenure.smtp.mailsFor(notice.key);
      expect(mails, notice.key).toHaveLength(1);
      expectReadable(notice, mails[0]!, { locale, subject: subjects[locale][notice.kind as Kind], companyAddress: `it@${locale}.acme.test` });
    }

    // Issue 13: a deadline's notices go out with the write that made them, in the same workflow
    // task. Only a caller's (the renewal's `restored`) takes an activity, so its answer never waits on SMTP.
    for (const id of lapsed) expect(await noticesDeliveredByActivity(tenure.client, `license:${id}`), id).toEqual([]);
    for (const id of renewed) {
      const restored = notices.filter((notice) => notice.subjectId === id && notice.kind === 'restored').map((notice) => notice.key);
      expect(await noticesDeliveredByActivity(tenure.client, `license:${id}`), id).toEqual(restored);
    }

    const kindsReceived = (locale: Locale) =>
      new Set(notices.filter((notice) => companies.get(notice.companyId) === locale).map((notice) => notice.kind));
    for (const locale of locales) {
      expect([...kindsReceived(locale)].sort()).toEqual(
        ['deleted', 'deletion_warning', 'expiring', 'grace_halfway', 'grace_started', 'restored', 'suspended'],
      );
    }
  });

  it('R19: GET /v1/outbox lists the notices newest first, and one notice shows the very mail that was sent', async () => {
    const list = await tenure.api('GET', '/v1/outbox?status=sent&kind=deleted');
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(3);
    const created = list.body.data.map((notice: { createdAt: string }) => Date.parse(notice.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));

    const [newest] = list.body.data;
    const detail = await tenure.api('GET', `/v1/outbox/${newest.id}`);
    expect(detail.status).toBe(200);
    const [received] = tenure.smtp.mailsFor(newest.key);
    expect(detail.body).toMatchObject({ key: newest.key, status: 'sent', messageId: received!.messageId });
    expect(detail.body.recipients.sort()).toEqual(received!.envelopeTo.sort());
    expect(detail.body.mail.subject).toBe(received!.parsed.subject);
    expect(detail.body.mail.text.trim()).toBe(received!.parsed.text?.trim());
  });

  it('pages through the outbox with the `next` cursor, filtered by subject, and hides other partners’ notices', async () => {
    const first = await tenure.api('GET', '/v1/outbox?limit=2');
    expect(first.body.data).toHaveLength(2);
    const second = await tenure.api('GET', `/v1/outbox?limit=2&after=${first.body.next}`);
    expect(second.body.data).toHaveLength(2);
    expect(second.body.data.map((notice: { id: string }) => notice.id)).not.toContain(first.body.data[0].id);
    expect(Date.parse(second.body.data[0].createdAt)).toBeLessThanOrEqual(Date.parse(first.body.data[1].createdAt));

    const subjectId = first.body.data[0].subjectId;
    const ofSubject = await tenure.api('GET', `/v1/outbox?subjectId=${subjectId}`);
    expect(ofSubject.body.data.length).toBeGreaterThan(0);
    expect(ofSubject.body.data.every((notice: { subjectId: string }) => notice.subjectId === subjectId)).toBe(true);

    const badFilter = await tenure.api('GET', '/v1/outbox?status=lost');
    expect(badFilter.status).toBe(422);
    expect(badFilter.body.field).toBe('status');

    const managed = await tenure.api('POST', '/v1/partners', { name: 'Managed MSP' });
    expect(managed.status).toBe(201);
    const otherKey = managed.body.adminKey.secret as string;
    expect((await tenure.api('GET', `/v1/outbox/${first.body.data[0].id}`, undefined, { key: otherKey })).status).toBe(404);
    expect((await tenure.api('GET', '/v1/outbox', undefined, { key: otherKey })).body.data).toEqual([]);
  });
});

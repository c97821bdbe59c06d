import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { outbox } from '../../db/schema.js';
import { eventually } from '../support/tenure.js';
import { expectReadable, locales, startTenureForReading, type Locale } from './reading.js';
import type { TenureWithSmtp } from './tenure-with-smtp.js';
import { createAccount, createLapsingLicensePolicy, issueLicense, untilAccount, createCompany, createPolicy, inSeconds } from '../support/setup.js';

type Kind = 'grace_started' | 'grace_halfway' | 'suspended' | 'deletion_warning' | 'deleted' | 'restored';
const PRODUCT = '(cloud-office-security|mail-security)';

/** What a reader of each language sees in the subject of each kind. */
const subjects: Record<Locale, Record<Kind, RegExp>> = {
  en: {
    grace_started: new RegExp(`^${PRODUCT} account of Acme en will be suspended in 6 seconds$`),
    grace_halfway: new RegExp(`^Reminder: ${PRODUCT} account of Acme en will be suspended on `),
    suspended: new RegExp(`^${PRODUCT} account of Acme en is suspended: users are not protected$`),
    deletion_warning: new RegExp(`^${PRODUCT} account of Acme en will be deleted on `),
    deleted: new RegExp(`^${PRODUCT} account of Acme en has been deleted$`),
    restored: new RegExp(`^${PRODUCT} account of Acme en is active again$`),
  },
  fr: {
    grace_started: new RegExp(`^Le compte ${PRODUCT} \\(Acme fr\\) sera suspendu dans 6 secondes$`),
    grace_halfway: new RegExp(`^Rappel : le compte ${PRODUCT} \\(Acme fr\\) sera suspendu le `),
    suspended: new RegExp(`^Compte ${PRODUCT} \\(Acme fr\\) suspendu : les utilisateurs ne sont plus protégés$`),
    deletion_warning: new RegExp(`^Le compte ${PRODUCT} \\(Acme fr\\) sera supprimé le `),
    deleted: new RegExp(`^Compte ${PRODUCT} \\(Acme fr\\) supprimé$`),
    restored: new RegExp(`^Compte ${PRODUCT} \\(Acme fr\\) de nouveau actif$`),
  },
  pl: {
    grace_started: new RegExp(`^Konto ${PRODUCT} firmy Acme pl zostanie zawieszone za 6 sekund$`),
    grace_halfway: new RegExp(`^Przypomnienie: konto ${PRODUCT} firmy Acme pl zostanie zawieszone – `),
    suspended: new RegExp(`^Konto ${PRODUCT} firmy Acme pl zostało zawieszone – użytkownicy nie są chronieni$`),
    deletion_warning: new RegExp(`^Konto ${PRODUCT} firmy Acme pl zostanie trwale usunięte – `),
    deleted: new RegExp(`^Konto ${PRODUCT} firmy Acme pl zostało usunięte$`),
    restored: new RegExp(`^Konto ${PRODUCT} firmy Acme pl jest znów aktywne$`),
  },
};

let tenure: TenureWithSmtp;
beforeAll(async () => void (tenure = await startTenureForReading()));
afterAll(() => tenure?.close());

describe('notices of a full account cycle, over SMTP', () => {
  it('R15–R20: every kind reaches the company and the partner exactly once, in the company’s language, with dates in the partner’s time zone', async () => {
    const accountPolicy = await createPolicy(tenure, { grace: 'PT6S', suspension: 'PT6S', deletionNotice: 'PT3S' });
    const licensePolicy = await createLapsingLicensePolicy(tenure);
    const companies = new Map<string, Locale>();
    const lapsing: string[] = [];
    const restoring: { id: string; companyId: string }[] = [];
    for (const locale of locales) {
      const companyId = await createCompany(tenure, { name: `Acme ${locale}`, locale, noticeEmails: [`it@${locale}.acme.test`], policyId: accountPolicy });
      companies.set(companyId, locale);
      await issueLicense(tenure, { companyId, product: 'cloud-office-security', expiresAt: inSeconds(2), policyId: licensePolicy });
      lapsing.push((await createAccount(tenure, { companyId, product: 'cloud-office-security' })).id);
      const doomed = await issueLicense(tenure, { companyId, product: 'mail-security', policyId: licensePolicy });
      const { id } = await createAccount(tenure, { companyId, product: 'mail-security' });
      expect((await tenure.api('DELETE', `/v1/licenses/${doomed}`)).status).toBe(200);
      restoring.push({ id, companyId });
    }

    // An eligible license added before deletion restores the account (R18); the others run to deletion.
    await Promise.all(
      restoring.map(async ({ id, companyId }) => {
        await untilAccount(tenure, id, (account) => account.state === 'grace' || account.state === 'suspended');
        await issueLicense(tenure, { companyId, product: 'mail-security', policyId: licensePolicy });
        await untilAccount(tenure, id, (account) => account.state === 'active');
      }),
    );
    for (const id of lapsing) await untilAccount(tenure, id, (account) => account.state === 'deleted', 40_000);

    const accountNotices = await eventually(
      () => tenure.db.select().from(outbox).where(eq(outbox.subjectType, 'account')),
      (rows) => rows.length >= 21 && rows.every((row) => row.status !== 'pending'),
    );
    expect(accountNotices.every((notice) => notice.status === 'sent')).toBe(true);
    for (const notice of accountNotices) {
      const locale = companies.get(notice.companyId)!;
      const mails = tenure.smtp.mailsFor(notice.key);
      expect(mails, notice.key).toHaveLength(1);
      expectReadable(notice, mails[0]!, { locale, subject: subjects[locale][notice.kind as Kind], companyAddress: `it@${locale}.acme.test` });
    }
    for (const locale of locales) {
      const kinds = accountNotices.filter((notice) => companies.get(notice.companyId) === locale).map((notice) => notice.kind);
      expect(new Set(kinds)).toEqual(new Set(['grace_started', 'grace_halfway', 'suspended', 'deletion_warning', 'deleted', 'restored']));
    }

    // The licenses' own notices went out too, each once: nothing was sent twice, nothing is left behind.
    const everyNotice = await eventually(
      () => tenure.db.select().from(outbox),
      (rows) => rows.every((row) => row.status === 'sent'),
    );
    expect(tenure.smtp.received).toHaveLength(everyNotice.length);
    expect(new Set(tenure.smtp.received.map((mail) => mail.key)).size).toBe(everyNotice.length);
  });
});

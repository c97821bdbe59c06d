// How a recipient reads a notice, for the cycle tests: the mail the SMTP server received for
// an outbox row is in the company's language, names its dates in the partner's time zone,
// and says what happens next (R20).
import { expect } from 'vitest';
import type { outbox } from '../../db/schema.js';
import type { Tenure } from '../support/tenure.js';
import type { ReceivedMail } from './smtp.js';
import { startTenureWithSmtp, type TenureWithSmtp } from './tenure-with-smtp.js';

export const TIME_ZONE = 'Asia/Tokyo';
export const PARTNER_CONTACT = 'renewals@secureit.test';
export const locales = ['en', 'fr', 'pl'] as const;
export type Locale = (typeof locales)[number];

/** Names the partner the notices come from, with the contact and time zone they are read against. */
export async function setUpPartnerForReading(tenure: Tenure): Promise<void> {
  const partner = await tenure.api('PATCH', '/v1/partner', { name: 'SecureIT', contactEmail: PARTNER_CONTACT, timeZone: TIME_ZONE });
  expect(partner.status).toBe(200);
}

const whatHappensNext: Record<Locale, string> = { en: 'What happens next:', fr: 'Prochaine étape :', pl: 'Co dalej:' };

/** The date each kind's "what happens next" line announces, by the fact the lifecycle recorded. */
const nextStepDate: Record<string, 'suspendsAt' | 'deletesAt' | 'expiresAt'> = {
  grace_started: 'suspendsAt',
  grace_halfway: 'suspendsAt',
  suspended: 'deletesAt',
  deletion_warning: 'deletesAt',
  restored: 'expiresAt',
};

/** Intl separates times and zones with narrow no-break spaces; compare words, not space kinds. */
const plain = (text: string) => text.replace(/[^\S\n]/g, ' ');

/** How a reader of `locale` in Tokyo sees an instant: its day and its time there. */
function inTokyo(instant: string, locale: Locale): string[] {
  const at = new Date(instant);
  return [
    new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone: TIME_ZONE }).format(at),
    new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: TIME_ZONE }).format(at),
  ].map(plain);
}

export function expectReadable(
  notice: typeof outbox.$inferSelect,
  mail: ReceivedMail,
  expected: { locale: Locale; subject: RegExp; companyAddress: string },
): void {
  const { locale } = expected;
  const what = `${locale} ${notice.key}`;
  expect(mail.messageId, what).toBe(notice.messageId);
  expect([...mail.envelopeTo].sort(), what).toEqual([expected.companyAddress, PARTNER_CONTACT].sort());
  expect(notice.locale, what).toBe(locale);
  expect(mail.parsed.headers.get('content-language'), what).toBe(locale);
  expect(mail.parsed.html, what).toContain(`lang="${locale}"`);
  expect(mail.parsed.subject, what).toMatch(expected.subject);

  const text = plain(mail.parsed.text ?? '');
  const nextStep = text.split('\n').find((line) => line.startsWith(whatHappensNext[locale]));
  expect(nextStep, `${what}: no "what happens next" line in\n${text}`).toBeDefined();
  const dateFact = nextStepDate[notice.kind];
  if (dateFact) for (const part of inTokyo(notice.facts[dateFact]!, locale)) expect(nextStep, what).toContain(part);
  if (notice.kind === 'expiring') for (const part of inTokyo(notice.facts.expiresAt!, locale)) expect(text, what).toContain(part);
  if (notice.kind === 'deleted') expect(nextStep, what).toContain(PARTNER_CONTACT);
}

/** A Tenure with a real SMTP server, its partner set up so that notices can be read as a customer would. */
export async function startTenureForReading(): Promise<TenureWithSmtp> {
  const tenure = await startTenureWithSmtp();
  await setUpPartnerForReading(tenure);
  return tenure;
}

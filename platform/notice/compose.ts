// One outbox row made into a mail: who receives it and what it says, in the company's
// locale and the partner's time zone (R20). Delivery sends it; GET /v1/outbox/:id shows it.
import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { preparedOnce } from '../../db/prepared.js';
import { accounts, companies, licenses, outbox, partners } from '../../db/schema.js';
import { renderNotice, type NoticeKind, type NoticeVars, type RenderedNotice, type SubjectType } from './render.js';

export type OutboxRow = typeof outbox.$inferSelect;

export interface ComposedNotice {
  /** The company's notice addresses (unless it opted out of this kind) and the partner's contact, each once. */
  recipients: string[];
  /** The company asked not to receive this kind. */
  optedOut: boolean;
  mail: RenderedNotice;
}

/** A notice whose company, partner or subject is gone: no retry can send it. */
export class UndeliverableNotice extends Error {
  override name = 'UndeliverableNotice';
}

/** The facts a notice names (activities/licenses.ts noticeFacts) that templates know. */
const factNames = ['offset', 'grace', 'expiresAt', 'graceEndsAt', 'suspendsAt', 'deletesAt'] as const;

/** `locale` replays a notice in the language it was sent in, whatever the company's locale is now. */
export async function composeNotice(db: Database, notice: OutboxRow, options: { locale?: string } = {}): Promise<ComposedNotice> {
  const { partnerId, subjectType, subjectId, companyId } = notice;
  const [parties] = await partiesOfNotice(db).execute({ partnerId, subjectType, subjectId, companyId });
  return composeWithParties(notice, parties, options);
}

/** Composes a notice whose parties were read with it: delivery reads both in one query (`noticeWithParties`). */
export function composeWithParties(notice: OutboxRow, parties: NoticeParties | undefined, options: { locale?: string } = {}): ComposedNotice {
  const { company, partner, subject } = partiesNamed(notice, parties);
  const vars: NoticeVars = {
    companyName: company.name,
    partnerName: partner.name,
    partnerEmail: partner.contactEmail ?? undefined,
    ...subject,
  };
  for (const name of factNames) {
    const value = notice.facts[name];
    if (value !== undefined) vars[name] = value;
  }
  // Deleted by hand, a subject had no planned deletion date: it was deleted when the notice fell due.
  if (notice.kind === 'deleted') vars.deletesAt ??= notice.dueAt.toISOString();
  const mail = renderNotice({
    subjectType: notice.subjectType as SubjectType,
    kind: notice.kind as NoticeKind,
    locale: options.locale ?? company.locale,
    timeZone: partner.timeZone,
    vars,
  });
  // The API refuses an opt-out of deletion warnings (api/schemas.ts).
  const optedOut = company.noticeOptOuts.includes(notice.kind);
  // The opt-out is the company's: the partner's contact still hears about its customer.
  const recipients = distinctAddresses([...(optedOut ? [] : company.noticeEmails), ...(partner.contactEmail ? [partner.contactEmail] : [])]);
  return { recipients, optedOut, mail };
}

/** What a notice says about its company, partner and subject; a left-joined party that is gone reads as null. */
const partyColumns = {
  company: { name: companies.name, locale: companies.locale, noticeEmails: companies.noticeEmails, noticeOptOuts: companies.noticeOptOuts },
  partner: { name: partners.name, contactEmail: partners.contactEmail, timeZone: partners.timeZone },
  license: { product: licenses.product, seats: licenses.seats },
  account: { product: accounts.product, name: accounts.name },
};

/** The company, partner and subject of a notice already read, in one query. */
const partiesOfNotice = preparedOnce((db: Database) => {
  const subjectType = sql.placeholder('subjectType');
  const subjectId = sql.placeholder('subjectId');
  return db
    .select(partyColumns)
    .from(companies)
    .innerJoin(partners, eq(partners.id, sql.placeholder('partnerId')))
    .leftJoin(licenses, and(eq(licenses.id, subjectId), sql`${subjectType}::text = 'license'`))
    .leftJoin(accounts, and(eq(accounts.id, subjectId), sql`${subjectType}::text = 'account'`))
    .where(eq(companies.id, sql.placeholder('companyId')))
    .limit(1)
    .prepare('parties_of_notice');
});

/** A notice by its outbox key, with its company, partner and subject: one round trip for every notice a mass expiry sends. */
export const noticeWithParties = preparedOnce((db: Database) =>
  db
    .select({ notice: getTableColumns(outbox), ...partyColumns })
    .from(outbox)
    .leftJoin(companies, eq(companies.id, outbox.companyId))
    .leftJoin(partners, eq(partners.id, outbox.partnerId))
    .leftJoin(licenses, and(eq(licenses.id, outbox.subjectId), eq(outbox.subjectType, 'license')))
    .leftJoin(accounts, and(eq(accounts.id, outbox.subjectId), eq(outbox.subjectType, 'account')))
    .where(eq(outbox.key, sql.placeholder('key')))
    .limit(1)
    .prepare('notice_with_parties'),
);

/** The parties as the query reads them with the notice: null where one is gone. */
export type NoticeParties = Omit<Awaited<ReturnType<ReturnType<typeof noticeWithParties>['execute']>>[number], 'notice'>;

function partiesNamed(notice: OutboxRow, parties: NoticeParties | undefined) {
  const { company, partner, license, account } = parties ?? {};
  if (!company || !partner) throw new UndeliverableNotice(`notice ${notice.key}: its company or partner no longer exists`);
  const subject: Pick<NoticeVars, 'product' | 'seats' | 'accountName'> | undefined = license
    ? { product: license.product, seats: license.seats }
    : account
      ? { product: account.product, accountName: account.name }
      : undefined;
  if (!subject) throw new UndeliverableNotice(`notice ${notice.key}: its ${notice.subjectType} ${notice.subjectId} does not exist`);
  return { company, partner, subject };
}

/** Addresses compare case-insensitively: a company that lists the partner's contact gets one mail. */
function distinctAddresses(addresses: string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((address) => {
    const key = address.trim().toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

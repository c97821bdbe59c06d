// One outbox row made into a mail: who receives it and what it says, in the company's
// locale and the partner's time zone (R20). Delivery sends it; GET /v1/outbox/:id shows it.
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
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
  const [company] = await db.select().from(companies).where(eq(companies.id, notice.companyId)).limit(1);
  const [partner] = await db.select().from(partners).where(eq(partners.id, notice.partnerId)).limit(1);
  if (!company || !partner) throw new UndeliverableNotice(`notice ${notice.key}: its company or partner no longer exists`);

  const vars: NoticeVars = {
    companyName: company.name,
    partnerName: partner.name,
    partnerEmail: partner.contactEmail ?? undefined,
    ...(await subjectVars(db, notice)),
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

async function subjectVars(db: Database, notice: OutboxRow): Promise<Pick<NoticeVars, 'product' | 'seats' | 'accountName'>> {
  if (notice.subjectType === 'license') {
    const [license] = await db.select().from(licenses).where(eq(licenses.id, notice.subjectId)).limit(1);
    if (license) return { product: license.product, seats: license.seats };
  } else if (notice.subjectType === 'account') {
    const [account] = await db.select().from(accounts).where(eq(accounts.id, notice.subjectId)).limit(1);
    if (account) return { product: account.product, accountName: account.name };
  }
  throw new UndeliverableNotice(`notice ${notice.key}: its ${notice.subjectType} ${notice.subjectId} does not exist`);
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

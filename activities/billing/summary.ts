// Sends one periodic summary (seed 001): gathers the period's usage and lifecycle events of a
// company, mails it in the company's language and, when ConnectWise is set up, adds it as a
// note to the company's summary ticket. Keyed by company and period: each part happens once.
// A period that cannot be sent is recorded as failed, so the schedule goes on to the next.
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { accounts, auditLog, companies, connectWiseCompanySettings, licenses, partners, summariesSent } from '../../db/schema.js';
import { billingEvents } from '../../machines/billing/contract.js';
import type { SummaryFrequency } from '../../machines/billing/summary-dates.js';
import { EXPIRING_SOON_MS, type SummaryFacts } from '../../machines/billing/summary-facts.js';
import { finalLicenseStates, protectingLicenseStates } from '../../machines/lifecycle/states.js';
import { companySettingsRow } from '../../platform/billing/store.js';
import { renderDigest, type RenderedDigest } from '../../platform/notice/digest.js';
import type { CredentialCipher } from '../../platform/source/credentials.js';
import type { Mailer } from '../notice/transport.js';
import { ConnectWiseError, type ConnectWiseClient } from './connectwise-client.js';
import { recordBillingEvent } from './event.js';
import { asFailure } from './failure.js';
import { connectWiseClientFor } from './lookup.js';

export interface SummaryRequest {
  partnerId: string;
  companyId: string;
  frequency: SummaryFrequency;
  timeZone: string;
  from: number;
  to: number;
}

export interface SummaryOutcome {
  key: string;
  mailed: boolean;
  ticketNoteId: number | null;
  webhookDeliveryIds: string[];
}

/** Why a period's summary was not sent: the last failure's message and, when it is a billing failure, its type. */
export interface SummaryFailure {
  error: string;
  errorType: string | null;
}

const summaryKey = (request: SummaryRequest) => `summary:${request.companyId}:${new Date(request.from).toISOString()}:${new Date(request.to).toISOString()}`;
const TROUBLED_ACCOUNT_STATES = ['grace', 'suspended'];

export function createSummaryActivities(db: Database, mailer: Mailer, cipher: CredentialCipher | undefined) {
  return {
    async sendSummary(request: SummaryRequest): Promise<SummaryOutcome> {
      const key = summaryKey(request);
      await db
        .insert(summariesSent)
        .values({ key, partnerId: request.partnerId, companyId: request.companyId, periodFrom: new Date(request.from), periodTo: new Date(request.to) })
        .onConflictDoNothing();
      let [sent] = await db.select().from(summariesSent).where(eq(summariesSent.key, key));
      const [company] = await db.select().from(companies).where(and(eq(companies.id, request.companyId), eq(companies.partnerId, request.partnerId)));
      const [partner] = await db.select().from(partners).where(eq(partners.id, request.partnerId));
      if (!sent || !company || !partner) throw new Error(`company ${request.companyId} of partner ${request.partnerId} is gone`);

      const facts = await gatherFacts(db, request, company.name, partner.name);
      const digest = renderDigest(facts, company.locale, request.timeZone);
      if (!sent.mailedAt && company.noticeEmails.length > 0) {
        await mailer.send({
          to: company.noticeEmails,
          subject: digest.subject,
          text: digest.text,
          html: digest.html,
          // The same on a retry, so a receiving server can tell a repeat.
          messageId: `<${key.replace(/[^A-Za-z0-9.-]/g, '.')}@tenure>`,
          headers: { 'X-Tenure-Summary': key },
        });
        [sent] = await db.update(summariesSent).set({ mailedAt: new Date() }).where(eq(summariesSent.key, key)).returning();
      }
      if (sent!.ticketNoteId === null) {
        const ticketNoteId = await noteOnTicket(db, cipher, request, digest);
        if (ticketNoteId !== null) [sent] = await db.update(summariesSent).set({ ticketNoteId }).where(eq(summariesSent.key, key)).returning();
      }
      const webhookDeliveryIds = await db.transaction((tx) =>
        recordBillingEvent(tx, {
          key,
          partnerId: request.partnerId,
          companyId: request.companyId,
          type: billingEvents.summarySent,
          actor: 'system:summaries',
          at: sent!.mailedAt ?? new Date(),
          data: { frequency: request.frequency, from: new Date(request.from).toISOString(), to: new Date(request.to).toISOString(), mailedTo: company.noticeEmails, ticketNoteId: sent!.ticketNoteId, locale: digest.locale },
        }),
      );
      return { key, mailed: sent!.mailedAt !== null, ticketNoteId: sent!.ticketNoteId, webhookDeliveryIds };
    },

    /** Audits a period whose summary could not be sent (R32), with what did go out: the mail may have. */
    async recordSummaryFailed(request: SummaryRequest, failure: SummaryFailure): Promise<{ webhookDeliveryIds: string[] }> {
      const key = summaryKey(request);
      const [sent] = await db.select().from(summariesSent).where(eq(summariesSent.key, key));
      const [company] = await db.select({ noticeEmails: companies.noticeEmails }).from(companies).where(eq(companies.id, request.companyId));
      const webhookDeliveryIds = await db.transaction((tx) =>
        recordBillingEvent(tx, {
          key: `${key}:failed`,
          partnerId: request.partnerId,
          companyId: request.companyId,
          type: billingEvents.summaryFailed,
          actor: 'system:summaries',
          at: new Date(),
          data: {
            frequency: request.frequency,
            from: new Date(request.from).toISOString(),
            to: new Date(request.to).toISOString(),
            mailedTo: sent?.mailedAt ? (company?.noticeEmails ?? []) : [],
            ticketNoteId: sent?.ticketNoteId ?? null,
            error: failure.error,
            errorType: failure.errorType,
          },
        }),
      );
      return { webhookDeliveryIds };
    },
  };
}

/**
 * Adds the digest to the company's summary ticket, opening that ticket the first time and
 * again when the saved one was deleted in ConnectWise; null without ConnectWise.
 */
async function noteOnTicket(db: Database, cipher: CredentialCipher | undefined, request: SummaryRequest, digest: RenderedDigest): Promise<number | null> {
  const settings = await companySettingsRow(db, request.partnerId, request.companyId);
  if (!settings?.enabled) return null;
  const text = `${digest.subject}\n\n${digest.text}`;
  try {
    const client = await connectWiseClientFor(db, cipher, request.partnerId);
    if (settings.summaryTicketId !== null) {
      try {
        return (await client.addTicketNote(settings.summaryTicketId, text)).id;
      } catch (error) {
        if (!(error instanceof ConnectWiseError && error.kind === 'not_found')) throw error;
      }
    }
    const ticketId = await openSummaryTicket(db, client, request.companyId, settings.connectWiseCompanyId, digest);
    return (await client.addTicketNote(ticketId, text)).id;
  } catch (error) {
    throw asFailure(error);
  }
}

async function openSummaryTicket(db: Database, client: ConnectWiseClient, companyId: string, connectWiseCompanyId: number, digest: RenderedDigest): Promise<number> {
  const ticket = await client.createTicket({ summary: `Tenure summaries`, companyId: connectWiseCompanyId, initialDescription: digest.subject });
  await db.update(connectWiseCompanySettings).set({ summaryTicketId: ticket.id }).where(eq(connectWiseCompanySettings.companyId, companyId));
  return ticket.id;
}

async function gatherFacts(db: Database, request: SummaryRequest, companyName: string, partnerName: string): Promise<SummaryFacts> {
  const licenseRows = await db
    .select({ id: licenses.id, product: licenses.product, seats: licenses.seats, seatsUsed: licenses.seatsUsed, state: licenses.state, expiresAt: licenses.expiresAt })
    .from(licenses)
    .where(and(eq(licenses.partnerId, request.partnerId), eq(licenses.companyId, request.companyId)));
  const accountRows = await db
    .select({ id: accounts.id, name: accounts.name, product: accounts.product, state: accounts.state })
    .from(accounts)
    .where(and(eq(accounts.partnerId, request.partnerId), eq(accounts.companyId, request.companyId)));
  const subjectIds = [...licenseRows, ...accountRows].map((row) => row.id);
  const events =
    subjectIds.length === 0
      ? []
      : await db
          .select({ action: auditLog.action, count: sql<number>`count(*)::int` })
          .from(auditLog)
          .where(and(eq(auditLog.partnerId, request.partnerId), inArray(auditLog.subjectId, subjectIds), gte(auditLog.at, new Date(request.from)), lt(auditLog.at, new Date(request.to))))
          .groupBy(auditLog.action)
          .orderBy(auditLog.action);

  const protecting = new Set<string>(protectingLicenseStates);
  const final = new Set<string>(finalLicenseStates);
  const usage = new Map<string, SummaryFacts['usage'][number]>();
  for (const license of licenseRows.filter((row) => protecting.has(row.state))) {
    const line = usage.get(license.product) ?? { product: license.product, licenses: 0, seats: 0, seatsUsed: 0 };
    usage.set(license.product, { ...line, licenses: line.licenses + 1, seats: line.seats + license.seats, seatsUsed: line.seatsUsed + license.seatsUsed });
  }
  const live = licenseRows.filter((row) => !final.has(row.state)).map((row) => ({ ...row, expiresAt: row.expiresAt.getTime() }));
  const brief = ({ product, expiresAt }: { product: string; expiresAt: number }) => ({ product, expiresAt });
  return {
    companyName,
    partnerName,
    frequency: request.frequency,
    from: request.from,
    to: request.to,
    usage: [...usage.values()].sort((a, b) => a.product.localeCompare(b.product)),
    events,
    expiringSoon: live.filter((row) => (row.state === 'active' || row.state === 'trial') && row.expiresAt < request.to + EXPIRING_SOON_MS).map(brief),
    inGrace: live.filter((row) => row.state === 'grace').map(brief),
    suspended: live.filter((row) => row.state === 'suspended').map(brief),
    accountsInTrouble: accountRows.filter((row) => TROUBLED_ACCOUNT_STATES.includes(row.state)).map(({ name, product, state }) => ({ name, product, state })),
  };
}

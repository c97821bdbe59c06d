// Reading billing settings and the licenses they bill, shared by the API (preview, send now)
// and the activities (the scheduled push), so both count from the same rows the same way.
import { and, desc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { billingPushes, connectWiseCompanySettings, connectWisePartnerSettings, licenses } from '../../db/schema.js';
import { billingLines, type BillingLine } from '../../machines/billing/quantities.js';
import { billingScheduleOf, type CompanyBillingSettings, type PartnerBillingDefaults } from '../../machines/billing/settings.js';
import type { BillingSchedule } from '../../machines/billing/billing-dates.js';
import type { CredentialCipher } from '../source/credentials.js';

/** How Tenure logs in to the partner's ConnectWise site (the shape of the client's settings). */
export interface ConnectWiseConnection {
  baseUrl: string;
  company: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
}

/** The API member's keys, sealed together with the same cipher as source credentials (one key to keep). */
export interface ConnectWiseKeys {
  publicKey: string;
  privateKey: string;
}

export async function partnerSettingsRow(db: Database, partnerId: string) {
  const [row] = await db.select().from(connectWisePartnerSettings).where(eq(connectWisePartnerSettings.partnerId, partnerId));
  return row;
}

export function partnerDefaults(row: typeof connectWisePartnerSettings.$inferSelect): PartnerBillingDefaults {
  return { billingDay: row.billingDay, billingHour: row.billingHour, timeZone: row.timeZone };
}

/** The partner's connection with its keys opened; undefined before general settings are saved. */
export async function connectionOf(db: Database, cipher: CredentialCipher, partnerId: string): Promise<ConnectWiseConnection | undefined> {
  const row = await partnerSettingsRow(db, partnerId);
  if (!row) return undefined;
  const { publicKey, privateKey } = cipher.decrypt(row.keysSealed) as ConnectWiseKeys;
  return { baseUrl: row.baseUrl, company: row.company, clientId: row.clientId, publicKey, privateKey };
}

export async function companySettingsRow(db: Database, partnerId: string, companyId: string) {
  const [row] = await db
    .select()
    .from(connectWiseCompanySettings)
    .where(and(eq(connectWiseCompanySettings.companyId, companyId), eq(connectWiseCompanySettings.partnerId, partnerId)));
  return row;
}

export function companySettings(row: typeof connectWiseCompanySettings.$inferSelect): CompanyBillingSettings {
  const { companyId: _companyId, partnerId: _partnerId, summaryTicketId: _ticket, updatedAt: _updatedAt, ...settings } = row;
  return settings;
}

/** What a company's billing stands on now: its settings, its schedule and the lines a push would send. */
export interface BillingPlan {
  settings: CompanyBillingSettings;
  defaults: PartnerBillingDefaults;
  schedule: BillingSchedule;
  lines: BillingLine[];
}

/** Undefined unless both the partner's general settings and the company's settings are saved (R27). */
export async function billingPlanOf(db: Database, partnerId: string, companyId: string): Promise<BillingPlan | undefined> {
  const [partnerRow, companyRow] = await Promise.all([partnerSettingsRow(db, partnerId), companySettingsRow(db, partnerId, companyId)]);
  if (!partnerRow || !companyRow) return undefined;
  const settings = companySettings(companyRow);
  const defaults = partnerDefaults(partnerRow);
  const rows = await db
    .select({ product: licenses.product, seats: licenses.seats, seatsUsed: licenses.seatsUsed, state: licenses.state })
    .from(licenses)
    .where(and(eq(licenses.partnerId, partnerId), eq(licenses.companyId, companyId)));
  return { settings, defaults, schedule: billingScheduleOf(settings, defaults), lines: billingLines(rows, settings) };
}

/** The last scheduled push of a company (send-now pushes do not count): what the UI and the API show as "last push". */
export async function lastScheduledPush(db: Database, companyId: string): Promise<{ period: string; status: (typeof billingPushes.$inferSelect)['status']; at: string } | null> {
  const [last] = await db
    .select()
    .from(billingPushes)
    .where(and(eq(billingPushes.companyId, companyId), eq(billingPushes.trigger, 'scheduled')))
    .orderBy(desc(billingPushes.period))
    .limit(1);
  return last ? { period: last.period, status: last.status, at: (last.completedAt ?? last.createdAt).toISOString() } : null;
}

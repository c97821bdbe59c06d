// What the billing and summary workflows read when they (re)plan: the company's schedule as
// saved now, and the last scheduled push, so a changed billing day never repeats a period.
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { companies, partners, summarySettings } from '../../db/schema.js';
import type { BillingSchedule } from '../../machines/billing/billing-dates.js';
import type { PushStatus } from '../../machines/billing/contract.js';
import type { SummarySchedule } from '../../machines/billing/summary-dates.js';
import { billingPlanOf, lastScheduledPush, partnerSettingsRow } from '../../platform/billing/store.js';

export interface CompanyRef {
  partnerId: string;
  companyId: string;
}

export interface LoadedBillingSchedule {
  companyName: string;
  /** Null when the settings are missing or disabled: the workflow waits for the next save. */
  schedule: BillingSchedule | null;
  lastScheduledPush: { period: string; status: PushStatus | 'pending'; at: string } | null;
}

export function createBillingScheduleActivities(db: Database) {
  return {
    async loadBillingSchedule({ partnerId, companyId }: CompanyRef): Promise<LoadedBillingSchedule> {
      const [company] = await db.select({ name: companies.name }).from(companies).where(and(eq(companies.id, companyId), eq(companies.partnerId, partnerId)));
      const plan = await billingPlanOf(db, partnerId, companyId);
      return {
        companyName: company?.name ?? companyId,
        schedule: plan?.settings.enabled ? plan.schedule : null,
        lastScheduledPush: await lastScheduledPush(db, companyId),
      };
    },

    /** Null when the company receives no summary. The partner's zone applies, from its ConnectWise settings or its own. */
    async loadSummarySchedule({ partnerId, companyId }: CompanyRef): Promise<(SummarySchedule & { companyName: string }) | null> {
      const [row] = await db
        .select({ frequency: summarySettings.frequency, hour: summarySettings.hour, companyName: companies.name, partnerZone: partners.timeZone })
        .from(summarySettings)
        .innerJoin(companies, eq(companies.id, summarySettings.companyId))
        .innerJoin(partners, eq(partners.id, summarySettings.partnerId))
        .where(and(eq(summarySettings.companyId, companyId), eq(summarySettings.partnerId, partnerId)));
      if (!row?.frequency) return null;
      const connectWise = await partnerSettingsRow(db, partnerId);
      return { frequency: row.frequency, hour: row.hour, timeZone: connectWise?.timeZone ?? row.partnerZone, companyName: row.companyName };
    },
  };
}

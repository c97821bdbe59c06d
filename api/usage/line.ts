// One line of the managed customer usage report (R28): a company and product, whose
// licenses are the partner's own and whose the company's, annual or monthly, seats
// licensed and used, states, the next deadline, and what needs the partner's attention.
import { z } from 'zod';
import type { UsageRow } from './query.js';

const count = z.number().int().min(0);

export const usageWarning = z
  .object({
    code: z.enum(['protection_not_installed', 'accounts_in_grace', 'accounts_suspended']),
    message: z.string(),
  })
  .meta({ id: 'UsageWarning', description: 'Where protection is missing or about to stop (R28).' });

export const usageLine = z
  .object({
    companyId: z.uuid(),
    companyName: z.string(),
    product: z.string().nullable().describe('Null for a company with no license or account yet'),
    licenses: count.describe('Licenses that are not deleted'),
    owner: z.object({ partner: count, customer: count }).describe("Licenses that are the partner's own, and the company's own"),
    term: z.object({ annual: count, monthly: count, trial: count }),
    state: z.object({ trial: count, active: count, grace: count, suspended: count }),
    seatsLicensed: count,
    seatsUsed: count,
    accounts: z.object({ total: count, grace: count, suspended: count }),
    nextDeadline: z
      .object({
        event: z.string().describe('What happens then, as the audit log and webhooks name it (license.grace_started …)'),
        at: z.iso.datetime(),
        subject: z.enum(['license', 'account']),
        subjectId: z.uuid(),
      })
      .nullable()
      .describe('The earliest deadline of any license or account of the line'),
    warnings: z.array(usageWarning),
  })
  .meta({ id: 'UsageLine' });

export type UsageLine = z.infer<typeof usageLine>;
export type UsageWarning = z.infer<typeof usageWarning>;

export function usageLineOf(row: UsageRow): UsageLine {
  return {
    companyId: row.company_id,
    companyName: row.company_name,
    product: row.product,
    licenses: row.licenses,
    owner: { partner: row.owner_partner, customer: row.owner_customer },
    term: { annual: row.term_annual, monthly: row.term_monthly, trial: row.term_trial },
    state: { trial: row.state_trial, active: row.state_active, grace: row.state_grace, suspended: row.state_suspended },
    seatsLicensed: Number(row.seats_licensed),
    seatsUsed: Number(row.seats_used),
    accounts: { total: row.accounts, grace: row.accounts_grace, suspended: row.accounts_suspended },
    nextDeadline: earliestDeadline(row),
    warnings: warningsOf(row),
  };
}

function earliestDeadline(row: UsageRow): UsageLine['nextDeadline'] {
  const candidates = [
    { at: row.license_deadline_at, event: row.license_deadline_event, subject: 'license' as const, subjectId: row.license_deadline_id },
    { at: row.account_deadline_at, event: row.account_deadline_event, subject: 'account' as const, subjectId: row.account_deadline_id },
  ].filter((deadline) => deadline.at && deadline.event && deadline.subjectId);
  const earliest = candidates.sort((a, b) => a.at!.localeCompare(b.at!))[0];
  return earliest ? { event: earliest.event!, at: earliest.at!, subject: earliest.subject, subjectId: earliest.subjectId! } : null;
}

/** R28: licensed seats with nothing protected, or accounts that are losing or have lost protection. */
function warningsOf(row: UsageRow): UsageWarning[] {
  const warnings: UsageWarning[] = [];
  if (row.unprotected_licenses > 0) {
    warnings.push({
      code: 'protection_not_installed',
      message: `${plural(row.unprotected_licenses, 'license')} with ${plural(Number(row.unprotected_seats), 'seat')} protect no device or user: install the protection.`,
    });
  }
  if (row.accounts_grace > 0) {
    warnings.push({
      code: 'accounts_in_grace',
      message: `${plural(row.accounts_grace, 'account')} in grace: add an eligible license before it is suspended.`,
    });
  }
  if (row.accounts_suspended > 0) {
    warnings.push({
      code: 'accounts_suspended',
      message: `${plural(row.accounts_suspended, 'account')} suspended: nothing is protected; add an eligible license before it is deleted.`,
    });
  }
  return warnings;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

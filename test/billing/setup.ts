// Shared steps of the billing tests: a partner connected to a fake ConnectWise, a ConnectWise
// company with one agreement addition, and billing workflows whose clock is skewed so that a
// billing instant (always on a whole hour) comes within seconds.
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { companies } from '../../db/schema.js';
import { billingWorkflowId, summaryWorkflowId } from '../../machines/billing/contract.js';
import type { FakeConnectWise } from '../fakes/connectwise.js';
import type { Tenure } from '../support/tenure.js';

const HOUR = 3_600_000;

/** The next whole UTC hour at least `leadMs` away, with the billing day and hour that name it. */
export function nextWholeHour(leadMs = 60_000): { at: number; day: number; hour: number; period: string } {
  const at = Math.ceil((Date.now() + leadMs) / HOUR) * HOUR;
  const date = new Date(at);
  return { at, day: date.getUTCDate(), hour: date.getUTCHours(), period: date.toISOString().slice(0, 7) };
}

export async function saveConnectWisePartner(tenure: Tenure, fake: FakeConnectWise, schedule: { day: number; hour: number }) {
  const answer = await tenure.api('PUT', '/v1/partner/integrations/connectwise', {
    baseUrl: fake.baseUrl,
    ...fake.credentials,
    billingDay: schedule.day,
    billingHour: schedule.hour,
    timeZone: 'UTC',
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

/** A ConnectWise company with one agreement and an addition for `product`. */
export function seedConnectWiseCompany(fake: FakeConnectWise, identifier: string, product: string) {
  const company = fake.addCompany({ identifier });
  const agreement = fake.addAgreement({ companyId: company.id, name: `${identifier} managed services` });
  const addition = fake.addAddition({ agreementId: agreement.id, product, quantity: 1 });
  return { company, agreement, addition };
}

export async function partnerIdOf(tenure: Tenure, companyId: string): Promise<string> {
  const [company] = await tenure.db.select({ partnerId: companies.partnerId }).from(companies).where(eq(companies.id, companyId));
  return company!.partnerId;
}

/** Starts `billing:<companyId>` with its clock set so that `instant` is `inMs` away. */
export async function startSkewedBilling(tenure: Tenure, companyId: string, instant: number, inMs: number): Promise<void> {
  await tenure.client.workflow.start('billingSchedule', {
    workflowId: billingWorkflowId(companyId),
    taskQueue: tenure.taskQueue,
    args: [{ partnerId: await partnerIdOf(tenure, companyId), companyId, clockSkewMs: instant - inMs - Date.now() }],
  });
}

export async function startSkewedSummary(tenure: Tenure, companyId: string, instant: number, inMs: number): Promise<void> {
  await tenure.client.workflow.start('summarySchedule', {
    workflowId: summaryWorkflowId(companyId),
    taskQueue: tenure.taskQueue,
    args: [{ partnerId: await partnerIdOf(tenure, companyId), companyId, clockSkewMs: instant - inMs - Date.now() }],
  });
}

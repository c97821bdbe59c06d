// Periodic summaries (seed 001: "chaque jour, semaine ou mois"): a weekly digest of a French
// company arrives by SMTP in French, and as a note on its ConnectWise summary ticket; a period
// ConnectWise refuses is audited and the schedule goes on; a deleted ticket is opened again.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.js';
import { summaryWorkflowId } from '../../machines/billing/contract.js';
import { nextSummaryDate } from '../../machines/billing/summary-dates.js';
import { startFakeConnectWise, type FakeConnectWise } from '../fakes/connectwise.js';
import { startTenureWithSmtp, type TenureWithSmtp } from '../notice/tenure-with-smtp.js';
import { createCompany, issueLicense } from '../support/setup.js';
import { eventually } from '../support/tenure.js';
import { nextWholeHour, saveConnectWisePartner, seedConnectWiseCompany, startSkewedSummary } from './setup.js';

let tenure: TenureWithSmtp;
let fake: FakeConnectWise;
beforeAll(async () => {
  [tenure, fake] = await Promise.all([startTenureWithSmtp(), startFakeConnectWise()]);
});
afterAll(async () => {
  await tenure?.close();
  await fake?.close();
});

describe('periodic summaries', () => {
  it('a weekly summary arrives by SMTP in French for a French company, and as a ConnectWise ticket note', async () => {
    const companyId = await createCompany(tenure, { name: 'Société Dupont', locale: 'fr', noticeEmails: ['dsi@dupont.test'] });
    await issueLicense(tenure, { companyId, product: 'endpoint-fr', seats: 25 });
    await saveConnectWisePartner(tenure, fake, nextWholeHour());
    const { agreement, addition } = seedConnectWiseCompany(fake, 'DUPONT', 'endpoint-fr');
    const connected = await tenure.api('PUT', `/v1/companies/${companyId}/integrations/connectwise`, {
      enabled: true,
      identifier: 'DUPONT',
      mappings: [{ product: 'endpoint-fr', agreementId: agreement.id, additionId: addition.id }],
      productsIncluded: ['endpoint-fr'],
    });
    expect(connected.status, JSON.stringify(connected.body)).toBe(200);

    const sending = nextSummaryDate(Date.now(), { frequency: 'weekly', hour: 8, timeZone: 'UTC' });
    await startSkewedSummary(tenure, companyId, sending.at, 3_000);
    const saved = await tenure.api('PUT', `/v1/companies/${companyId}/summaries`, { frequency: 'weekly', hour: 8 });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ frequency: 'weekly', hour: 8, timeZone: 'UTC' });

    const [mail] = await eventually(async () => tenure.smtp.received.filter((received) => received.envelopeTo.includes('dsi@dupont.test')), (mails) => mails.length > 0);
    expect(mail!.parsed.subject).toBe('Récapitulatif hebdomadaire pour Société Dupont');
    expect(mail!.parsed.text).toContain('Utilisation');
    expect(mail!.parsed.text).toContain('endpoint-fr : 0 postes utilisés sur 25 (1 licences)');
    expect(mail!.parsed.text).toContain('Licences émises : 1');

    const [ticket] = await eventually(async () => fake.tickets.filter((candidate) => candidate.notes.length > 0), (tickets) => tickets.length > 0);
    expect(ticket!.notes[0]!.text).toContain('Récapitulatif hebdomadaire pour Société Dupont');
  });

  const daily = { frequency: 'daily', hour: 8, timeZone: 'UTC' } as const;

  /** The company billed on a fresh ConnectWise company `identifier`: its summaries go to that company's ticket. */
  async function connectToConnectWise(companyId: string, identifier: string, product: string) {
    await issueLicense(tenure, { companyId, product, seats: 3 });
    await saveConnectWisePartner(tenure, fake, nextWholeHour());
    const upstream = seedConnectWiseCompany(fake, identifier, product);
    const connected = await tenure.api('PUT', `/v1/companies/${companyId}/integrations/connectwise`, {
      enabled: true,
      identifier,
      mappings: [{ product, agreementId: upstream.agreement.id, additionId: upstream.addition.id }],
      productsIncluded: [product],
    });
    expect(connected.status, JSON.stringify(connected.body)).toBe(200);
    return upstream;
  }

  const notedTicketsOf = (connectWiseCompanyId: number) => fake.tickets.filter((ticket) => ticket.company.id === connectWiseCompanyId && ticket.notes.length > 0);

  it('R32: a summary ConnectWise refuses is audited as failed for its period, and the schedule goes on to the next period', async () => {
    const companyId = await createCompany(tenure, { name: 'Refused Corp', noticeEmails: ['it@refused.test'] });
    await connectToConnectWise(companyId, 'REFUSED', 'endpoint-refused');
    // The API member's security role does not allow service tickets.
    fake.failNextMatching(1, { status: 403, method: 'POST', path: /^\/service\/tickets$/ });
    const sending = nextSummaryDate(Date.now(), daily);
    await startSkewedSummary(tenure, companyId, sending.at, 3_000);
    const handle = tenure.client.workflow.getHandle(summaryWorkflowId(companyId));
    const { runId: firstRunId } = await handle.describe();
    expect((await tenure.api('PUT', `/v1/companies/${companyId}/summaries`, { frequency: 'daily', hour: 8 })).status).toBe(200);

    const [failed] = await eventually(
      () => tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, companyId), eq(auditLog.action, 'billing.summary_failed'))),
      (rows) => rows.length > 0,
    );
    expect(failed!.after).toMatchObject({
      frequency: 'daily',
      from: new Date(sending.from).toISOString(),
      to: new Date(sending.at).toISOString(),
      mailedTo: ['it@refused.test'],
      ticketNoteId: null,
      errorType: 'ConnectWiseAuthFailed',
      error: expect.stringContaining('ConnectWise answered 403 to POST /service/tickets'),
    });
    const planned = await eventually(() => handle.describe(), (description) => description.runId !== firstRunId);
    expect(planned.status.name).toBe('RUNNING');
  });

  it('a summary ticket deleted in ConnectWise is opened again for the next summary', async () => {
    const companyId = await createCompany(tenure, { name: 'Reopened Corp', noticeEmails: ['it@reopened.test'] });
    const upstream = await connectToConnectWise(companyId, 'REOPENED', 'endpoint-reopened');
    const first = nextSummaryDate(Date.now(), daily);
    await startSkewedSummary(tenure, companyId, first.at, 3_000);
    expect((await tenure.api('PUT', `/v1/companies/${companyId}/summaries`, { frequency: 'daily', hour: 8 })).status).toBe(200);
    const [deleted] = await eventually(async () => notedTicketsOf(upstream.company.id), (tickets) => tickets.length === 1);
    fake.deleteTicket(deleted!.id);

    // The next day's summary, brought within seconds by a new run whose clock is a day further on.
    await tenure.client.workflow.getHandle(summaryWorkflowId(companyId)).terminate('test: bring the next period within seconds');
    const second = nextSummaryDate(first.at, daily);
    await startSkewedSummary(tenure, companyId, second.at, 3_000);

    const [reopened] = await eventually(async () => notedTicketsOf(upstream.company.id), (tickets) => tickets.length === 1 && tickets[0]!.id !== deleted!.id);
    expect(reopened!.notes).toHaveLength(1);
    const sent = await eventually(
      () => tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, companyId), eq(auditLog.action, 'billing.summary_sent'))),
      (rows) => rows.length === 2,
    );
    expect(sent.map((entry) => (entry.after as { ticketNoteId: number }).ticketNoteId)).toContain(reopened!.notes[0]!.id);
  });
});

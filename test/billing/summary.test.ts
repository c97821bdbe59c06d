// Periodic summaries (seed 001: "chaque jour, semaine ou mois"): a weekly digest of a French
// company arrives by SMTP in French, and as a note on its ConnectWise summary ticket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});

// R30 through the API: a parent partner enrols a managed partner in the monthly (flex)
// programme with PATCH /v1/partners/:id; only then may the managed partner create monthly accounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { partners } from '../../db/schema.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createCompany, createKey, createManagedPartner } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

const monthlyAccount = (companyId: string, key: string) =>
  tenure.api('POST', '/v1/accounts', { companyId, product: 'cloud-office-security', name: 'Flex tenant', seatsRequested: 3, term: 'monthly' }, { key });
const enrol = (partnerId: string, monthlyProgramme: boolean, key?: string) => tenure.api('PATCH', `/v1/partners/${partnerId}`, { monthlyProgramme }, { key });

describe('enrolling a managed partner in the monthly programme (R30)', () => {
  it('R30: a managed partner cannot create monthly accounts until its parent enrols it; the enrolment is audited', async () => {
    // The root partner has no parent to enrol it: its enrolment is the operator's setting.
    const root = (await tenure.api('GET', '/v1/partner')).body.id;
    await tenure.db.update(partners).set({ monthlyProgramme: true }).where(eq(partners.id, root));
    const managed = await createManagedPartner(tenure, 'Flex MSP');
    const companyId = await createCompany(tenure, { name: 'Flex customer' }, { key: managed.adminKey.secret });

    const before = await monthlyAccount(companyId, managed.adminKey.secret);
    expect(before).toMatchObject({ status: 403, body: { code: 'monthly_programme_required' } });

    const enrolled = await enrol(managed.id, true);
    expect(enrolled).toMatchObject({ status: 200, body: { id: managed.id, monthlyProgramme: true } });
    const after = await monthlyAccount(companyId, managed.adminKey.secret);
    expect(after).toMatchObject({ status: 201, body: { term: 'monthly' } });

    const { data } = (await tenure.api('GET', `/v1/audit?subject=${managed.id}`)).body;
    expect(data.map((entry: { action: string }) => entry.action)).toEqual(['partner.created', 'partner.updated']);
    expect(data[1]).toMatchObject({ before: { monthlyProgramme: false }, after: { monthlyProgramme: true } });

    expect((await enrol(managed.id, false)).body.monthlyProgramme).toBe(false);
    expect((await monthlyAccount(companyId, managed.adminKey.secret)).status).toBe(403);
  });

  it('R30: only an admin of the parent enrols; a partner grants only what it has, and cannot enrol itself', async () => {
    const parent = await createManagedPartner(tenure, 'Annual-only MSP');
    const child = await createManagedPartner(tenure, 'Its customer MSP', { key: parent.adminKey.secret });
    const refused = await enrol(child.id, true, parent.adminKey.secret);
    expect(refused).toMatchObject({ status: 422, body: { errors: [{ field: 'monthlyProgramme' }] } });

    const operator = await createKey(tenure, 'operator', { key: parent.adminKey.secret });
    expect((await enrol(child.id, false, operator.secret)).status).toBe(403);
    // To the child, its own id under /partners is not one of its managed partners: it does not exist (R1).
    expect((await enrol(child.id, true, child.adminKey.secret)).status).toBe(404);
    // A parent changes nothing else of a managed partner: that partner's own admins do, at PATCH /v1/partner.
    const renamed = await tenure.api('PATCH', `/v1/partners/${child.id}`, { name: 'Renamed' }, { key: parent.adminKey.secret });
    expect(renamed.body).toMatchObject({ status: 422, errors: expect.arrayContaining([{ field: 'name', message: 'is not a field this request accepts' }]) });
  });
});

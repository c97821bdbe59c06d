import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { partners } from '../../db/schema.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createCompany, createKey, createManagedPartner, issueLicense } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

describe('partners: MSP → managed MSP (seed 002)', () => {
  it('R1: creating a managed partner answers its first admin key once; the parent lists and reads it', async () => {
    const created = await tenure.api('POST', '/v1/partners', { name: 'Northwind IT', contactEmail: 'ops@northwind.test', timeZone: 'Europe/Warsaw' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/partners/${created.body.id}`);
    expect(created.body).toMatchObject({ name: 'Northwind IT', contactEmail: 'ops@northwind.test', timeZone: 'Europe/Warsaw', monthlyProgramme: false });
    expect(created.body.adminKey).toMatchObject({ role: 'admin', secret: expect.stringMatching(/^tk_/) });

    const child = { key: created.body.adminKey.secret as string };
    expect((await tenure.api('GET', '/v1/partner', undefined, child)).body).toMatchObject({ id: created.body.id, name: 'Northwind IT' });

    const listed = await tenure.api('GET', '/v1/partners');
    expect(listed.body.data.map((partner: { id: string }) => partner.id)).toContain(created.body.id);
    const read = await tenure.api('GET', `/v1/partners/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(created.body.adminKey.secret);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.adminKey.secret);
  });

  it("R1: a managed partner never sees its parent's partner record, companies or licenses, nor the parent its own: 404", async () => {
    const parent = (await tenure.api('GET', '/v1/partner')).body;
    const parentCompany = await createCompany(tenure, { name: 'Parent customer' }, { key: tenure.adminKey });
    const parentLicense = await issueLicense(tenure, { companyId: parentCompany });
    const child = await createManagedPartner(tenure, 'Child MSP');
    const childCompany = await createCompany(tenure, { name: 'Child customer' }, { key: child.adminKey.secret });
    const asChild = { key: child.adminKey.secret };

    expect((await tenure.api('GET', `/v1/partners/${parent.id}`, undefined, asChild)).status).toBe(404);
    expect((await tenure.api('GET', '/v1/partners', undefined, asChild)).body.data).toEqual([]);
    expect(JSON.stringify((await tenure.api('GET', '/v1/partner', undefined, asChild)).body)).not.toContain(parent.id);
    expect((await tenure.api('GET', `/v1/companies/${parentCompany}`, undefined, asChild)).status).toBe(404);
    expect((await tenure.api('GET', `/v1/licenses/${parentLicense}`, undefined, asChild)).status).toBe(404);
    expect((await tenure.api('POST', `/v1/licenses/${parentLicense}/suspend`, {}, asChild)).status).toBe(404);
    expect((await tenure.api('GET', '/v1/licenses', undefined, asChild)).body.data).toEqual([]);
    expect((await tenure.api('GET', '/v1/companies', undefined, asChild)).body.data.map((company: { id: string }) => company.id)).toEqual([childCompany]);

    expect((await tenure.api('GET', `/v1/companies/${childCompany}`)).status).toBe(404);
    const issuedUnderChild = await tenure.api('POST', '/v1/licenses', { companyId: childCompany, product: 'edr', seats: 1, term: 'annual', duration: 'P1Y' });
    expect(issuedUnderChild).toMatchObject({ status: 422, body: { field: 'companyId' } });
  });

  it("R1: sibling managed partners do not exist for each other, and a grandchild is not its grandparent's to read", async () => {
    const first = await createManagedPartner(tenure, 'Sibling A');
    const second = await createManagedPartner(tenure, 'Sibling B');
    const secondCompany = await createCompany(tenure, { name: 'B customer' }, { key: second.adminKey.secret });
    const asFirst = { key: first.adminKey.secret };
    expect((await tenure.api('GET', `/v1/partners/${second.id}`, undefined, asFirst)).status).toBe(404);
    expect((await tenure.api('GET', `/v1/companies/${secondCompany}`, undefined, asFirst)).status).toBe(404);
    expect((await tenure.api('PATCH', `/v1/companies/${secondCompany}`, { name: 'taken over' }, asFirst)).status).toBe(404);

    const grandchild = await createManagedPartner(tenure, 'Grandchild', { key: first.adminKey.secret });
    expect((await tenure.api('GET', `/v1/partners/${grandchild.id}`, undefined, asFirst)).status).toBe(200);
    expect((await tenure.api('GET', `/v1/partners/${grandchild.id}`)).status).toBe(404);
  });

  it('R30: a partner can enrol a managed partner in the monthly programme only if it is enrolled itself', async () => {
    const refused = await tenure.api('POST', '/v1/partners', { name: 'Flex reseller', monthlyProgramme: true });
    expect(refused).toMatchObject({ status: 422, body: { code: 'invalid_input', field: 'monthlyProgramme' } });

    const enrolled = await createManagedPartner(tenure, 'Enrolled MSP');
    await tenure.db.update(partners).set({ monthlyProgramme: true }).where(eq(partners.id, enrolled.id));
    const granted = await tenure.api('POST', '/v1/partners', { name: 'Flex reseller', monthlyProgramme: true }, { key: enrolled.adminKey.secret });
    expect(granted).toMatchObject({ status: 201, body: { monthlyProgramme: true } });
  });

  it('R30: the partner at the top of the tree enrols itself in the monthly programme, with the vendor as its only grantor; a managed partner is enrolled by its parent only', async () => {
    const managed = await createManagedPartner(tenure, 'Self-enrolling MSP');
    const refused = await tenure.api('PATCH', '/v1/partner', { monthlyProgramme: true }, { key: managed.adminKey.secret });
    expect(refused).toMatchObject({ status: 422, body: { field: 'monthlyProgramme', detail: expect.stringContaining('parent') } });

    try {
      expect(await tenure.api('PATCH', '/v1/partner', { monthlyProgramme: true })).toMatchObject({ status: 200, body: { monthlyProgramme: true } });
      const monthly = await tenure.api('POST', '/v1/accounts', { companyId: await createCompany(tenure), product: 'endpoint-monthly', name: 'Flex tenant', seatsRequested: 1, term: 'monthly' });
      expect(monthly.status, JSON.stringify(monthly.body)).toBe(201);
      expect(await tenure.api('PATCH', `/v1/partners/${managed.id}`, { monthlyProgramme: true })).toMatchObject({ status: 200, body: { monthlyProgramme: true } });
      const audited = (await tenure.api('GET', `/v1/audit?action=partner.updated`)).body.data;
      expect(audited.some((entry: { after: { monthlyProgramme: boolean } }) => entry.after.monthlyProgramme)).toBe(true);
    } finally {
      await tenure.api('PATCH', '/v1/partner', { monthlyProgramme: false });
    }
  });

  it("R31: only an admin changes the partner's name, contact and time zone, and bad input names the field", async () => {
    const operator = await createKey(tenure, 'operator');
    expect((await tenure.api('PATCH', '/v1/partner', { name: 'Renamed' }, { key: operator.secret })).status).toBe(403);
    expect((await tenure.api('POST', '/v1/partners', { name: 'Not mine to create' }, { key: operator.secret })).status).toBe(403);

    const changed = await tenure.api('PATCH', '/v1/partner', { name: 'Contoso MSP', contactEmail: 'noc@contoso.test', timeZone: 'Europe/Paris' });
    expect(changed).toMatchObject({ status: 200, body: { name: 'Contoso MSP', contactEmail: 'noc@contoso.test', timeZone: 'Europe/Paris' } });
    expect((await tenure.api('GET', '/v1/partner')).body.timeZone).toBe('Europe/Paris');

    for (const timeZone of ['Mars/Olympus', '', '0'.repeat(99), '+01:00']) {
      const refused = await tenure.api('PATCH', '/v1/partner', { timeZone });
      expect(refused, JSON.stringify(timeZone)).toMatchObject({ status: 422, body: { field: 'timeZone' } });
      // Said once, whichever check refused it.
      expect(refused.body.errors, JSON.stringify(timeZone)).toHaveLength(1);
    }
    expect(await tenure.api('POST', '/v1/partners', { name: '' })).toMatchObject({ status: 422, body: { field: 'name' } });
    expect(await tenure.api('POST', '/v1/partners', { name: 'x', contactEmail: 'not-an-address' })).toMatchObject({ status: 422, body: { field: 'contactEmail' } });
  });

  it('refuses an address a strict `format: email` validator refuses, and keeps one it accepts', async () => {
    // IDNA reserves `--` in a host label's third and fourth places for `xn--` labels, which must decode;
    // RFC 5321 caps a local part at 64 characters and a label at 63.
    for (const contactEmail of ['noc@ab--cd.test', 'noc@xn--zz.test', `${'n'.repeat(65)}@contoso.test`, `noc@${'c'.repeat(64)}.test`]) {
      expect(await tenure.api('PATCH', '/v1/partner', { contactEmail }), contactEmail).toMatchObject({ status: 422, body: { field: 'contactEmail' } });
    }
    for (const contactEmail of ['noc@xn--bcher-kva.test', 'noc@a--b.test', `${'n'.repeat(64)}@contoso.test`]) {
      expect(await tenure.api('PATCH', '/v1/partner', { contactEmail }), contactEmail).toMatchObject({ status: 200, body: { contactEmail } });
    }
  });
});

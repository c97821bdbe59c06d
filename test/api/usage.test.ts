import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { CsvReader } from './csv.js';
import { createAccount, issueLicense, createCompany, createPolicy, inSeconds, createManagedPartner } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

/** The columns the usage CSV documents (api/usage/csv.ts), in order. */
const documentedColumns = [
  'company_id', 'company_name', 'product', 'licenses', 'owner_partner', 'owner_customer', 'term_annual', 'term_monthly',
  'term_trial', 'state_trial', 'state_active', 'state_grace', 'state_suspended', 'seats_licensed', 'seats_used', 'accounts',
  'accounts_grace', 'accounts_suspended', 'next_deadline_event', 'next_deadline_at', 'next_deadline_subject',
  'next_deadline_subject_id', 'warnings',
];

/** The license counts of a usage line for a company and product that has no licenses. */
const noLicenses = {
  licenses: 0,
  owner: { partner: 0, customer: 0 },
  term: { annual: 0, monthly: 0, trial: 0 },
  state: { trial: 0, active: 0, grace: 0, suspended: 0 },
  seatsLicensed: 0,
  seatsUsed: 0,
};

describe('managed customer usage', () => {
  it("R28: per company and product, the partner's and the company's licenses, terms, seats, states, next deadline and warnings", async () => {
    const policyId = await createPolicy(tenure, { grace: 'PT1S', suspension: 'PT1H', expiryNotices: ['PT10M'], deletionNotice: 'PT1M' });
    const acme = await createCompany(tenure, { name: 'Acme' });
    const beta = await createCompany(tenure, { name: 'Beta', policyId });
    const delta = await createCompany(tenure, { name: 'Delta' });
    const gamma = await createCompany(tenure, { name: 'Gamma' });

    const soonest = await issueLicense(tenure, { companyId: acme, product: 'endpoint', seats: 10, owner: 'partner', term: 'annual', expiresAt: inSeconds(1800), policyId });
    const unused = await issueLicense(tenure, { companyId: acme, product: 'endpoint', seats: 5, owner: 'customer', term: 'monthly', expiresAt: inSeconds(3600), policyId });
    const cancelled = await issueLicense(tenure, { companyId: acme, product: 'endpoint', seats: 50, owner: 'partner', policyId });
    expect((await tenure.api('DELETE', `/v1/licenses/${cancelled}`)).body.state).toBe('deleted');
    // The account takes its 7 seats from the license that lapses first: the company's own license protects nothing.
    await createAccount(tenure, { companyId: acme, product: 'endpoint', seatsRequested: 7 });
    // Accounts with no eligible license start in grace: Delta's stays there for days, Beta's is suspended after 1 s.
    await createAccount(tenure, { companyId: delta, product: 'mail', seatsRequested: 2 });
    await createAccount(tenure, { companyId: beta, product: 'mail', seatsRequested: 3 });
    await eventually(async () => (await tenure.api('GET', `/v1/usage?companyId=${beta}`)).body.data, (lines: any[]) => lines[0]?.accounts.suspended === 1);

    const answer = await tenure.api('GET', '/v1/usage');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body.data).toEqual([
      {
        companyId: acme,
        companyName: 'Acme',
        product: 'endpoint',
        licenses: 2,
        owner: { partner: 1, customer: 1 },
        term: { annual: 1, monthly: 1, trial: 0 },
        state: { trial: 0, active: 2, grace: 0, suspended: 0 },
        seatsLicensed: 15,
        seatsUsed: 7,
        accounts: { total: 1, grace: 0, suspended: 0 },
        nextDeadline: { event: 'license.expiring', at: expect.any(String), subject: 'license', subjectId: soonest },
        warnings: [{ code: 'protection_not_installed', message: expect.stringContaining('1 license with 5 seats') }],
      },
      {
        companyId: beta,
        companyName: 'Beta',
        product: 'mail',
        ...noLicenses,
        accounts: { total: 1, grace: 0, suspended: 1 },
        nextDeadline: expect.objectContaining({ subject: 'account' }),
        warnings: [{ code: 'accounts_suspended', message: expect.stringContaining('1 account suspended') }],
      },
      {
        companyId: delta,
        companyName: 'Delta',
        product: 'mail',
        ...noLicenses,
        accounts: { total: 1, grace: 1, suspended: 0 },
        nextDeadline: expect.objectContaining({ subject: 'account' }),
        warnings: [{ code: 'accounts_in_grace', message: expect.stringContaining('1 account in grace') }],
      },
      {
        companyId: gamma,
        companyName: 'Gamma',
        product: null,
        ...noLicenses,
        accounts: { total: 0, grace: 0, suspended: 0 },
        nextDeadline: null,
        warnings: [],
      },
    ]);
    const unusedLicense = (await tenure.api('GET', `/v1/licenses/${unused}`)).body;
    expect(unusedLicense.seatsUsed).toBe(0);

    const oneCompany = await tenure.api('GET', `/v1/usage?companyId=${acme}&product=endpoint`, undefined, { headers: { accept: 'text/csv' } });
    expect(oneCompany.status).toBe(200);
    expect(oneCompany.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(oneCompany.headers.get('content-disposition')).toMatch(/^attachment; filename="usage-\d{4}-\d\d-\d\d\.csv"$/);
    const records = new CsvReader().push(oneCompany.body);
    expect(records[0]).toEqual(documentedColumns);
    expect(records.slice(1)).toEqual([
      [acme, 'Acme', 'endpoint', '2', '1', '1', '1', '1', '0', '0', '2', '0', '0', '15', '7', '1', '0', '0',
        'license.expiring', expect.stringMatching(/Z$/), 'license', soonest, 'protection_not_installed'],
    ]);
  });

  it('R28: bad filters answer 422 naming the field; an Accept of neither JSON nor CSV answers 406', async () => {
    const invalid = await tenure.api('GET', '/v1/usage?companyId=acme');
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({ code: 'invalid_input', field: 'companyId' });
    const unknown = await tenure.api('GET', '/v1/usage?color=blue');
    expect(unknown.status).toBe(422);
    const html = await tenure.api('GET', '/v1/usage', undefined, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(406);
    expect(html.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('R1: a partner reads the usage of the partners it manages, and no other partner answers anything but 404', async () => {
    const managed = await createManagedPartner(tenure, 'Managed MSP');
    const sibling = await createManagedPartner(tenure, 'Another managed MSP');
    const company = await tenure.api('POST', '/v1/companies', { name: 'Managed customer' }, { key: managed.adminKey.secret });
    expect(company.status).toBe(201);

    const byParent = await tenure.api('GET', `/v1/usage?partnerId=${managed.id}`);
    expect(byParent.status).toBe(200);
    expect(byParent.body.data.map((line: { companyName: string }) => line.companyName)).toEqual(['Managed customer']);
    expect((await tenure.api('GET', '/v1/usage')).body.data.map((line: { companyName: string }) => line.companyName)).not.toContain('Managed customer');

    const bySibling = await tenure.api('GET', `/v1/usage?partnerId=${managed.id}`, undefined, { key: sibling.adminKey.secret });
    expect(bySibling.status).toBe(404);
    const parentsUsageByChild = await tenure.api('GET', `/v1/usage?partnerId=${(await tenure.api('GET', '/v1/partner')).body.id}`, undefined, { key: managed.adminKey.secret });
    expect(parentsUsageByChild.status).toBe(404);
  });

  it('R29: clients that hang up mid-stream, or ask only for headers, leave no cursor open behind them', async () => {
    const partner = await createManagedPartner(tenure, 'Impatient MSP');
    await tenure.db.execute(sql`
      insert into companies (id, partner_id, name)
      select gen_random_uuid(), ${partner.id}, format('Client %s', n) from generate_series(1, 5000) as n`);
    // With connections exhausted a request waits for ever; 10 s is far more than any of these needs.
    const read = (init: RequestInit = {}) =>
      fetch(`${tenure.url}/v1/usage`, {
        ...init,
        signal: AbortSignal.any([init.signal ?? new AbortController().signal, AbortSignal.timeout(10_000)]),
        headers: { authorization: `Bearer ${partner.adminKey.secret}`, accept: 'text/csv' },
      });
    // More than the API's pool of 10 connections: one cursor left open per request would exhaust it.
    for (let i = 0; i < 12; i++) {
      const hangUp = new AbortController();
      const response = await read({ signal: hangUp.signal });
      await response.body!.getReader().read();
      hangUp.abort();
      expect((await read({ method: 'HEAD' })).status).toBe(200);
    }
    const complete = await (await read()).text();
    expect(complete.split('\r\n').filter(Boolean)).toHaveLength(5001);
  });

  it('R29: the CSV of a partner with 100,000 licenses streams with the documented columns, and memory stays flat', async () => {
    const partner = await createManagedPartner(tenure, 'Large MSP');
    const companies = 25_000;
    const products = ['endpoint', 'email', 'server', 'mobile'];
    const licenseCount = companies * products.length;
    // Read-model rows straight into PostgreSQL: license n belongs to company n % 25,000 and product n / 25,000.
    await tenure.db.execute(sql`
      insert into companies (id, partner_id, name)
      select md5(${partner.id} || ':' || n)::uuid, ${partner.id},
        case when n % 1000 = 0 then format(E'Client %s,\r\n"Dupont & Fils"', n)
             when n % 10 = 0 then format('Client %s, "Dupont & Fils"', n)
             else format('Client %s', n) end
      from generate_series(0, ${companies - 1}) as n`);
    await tenure.db.execute(sql`
      insert into licenses (id, partner_id, company_id, product, seats, seats_used, term, owner, tag, policy_id, policy_version,
        state, expires_at, next_deadline_event, next_deadline_at, lifecycle)
      select gen_random_uuid(), ${partner.id}, md5(${partner.id} || ':' || (n % ${companies}))::uuid,
        (${sql.raw(`array['${products.join("','")}']`)})[n / ${companies} + 1],
        1 + n % 50, case when n % 7 = 0 then 0 else 1 + n % 50 end,
        (case when n % 2 = 0 then 'annual' else 'monthly' end)::term,
        (case when n % 3 = 0 then 'customer' else 'partner' end)::owner,
        'bulk', gen_random_uuid(), 1, case when n % 10 = 9 then 'grace' else 'active' end,
        now() + n * interval '1 minute', 'license.grace_started', now() + n * interval '1 minute', '{}'::jsonb
      from generate_series(0, ${licenseCount - 1}) as n`);

    const expected = { licenses: 0, owner_partner: 0, owner_customer: 0, term_annual: 0, term_monthly: 0, state_active: 0, state_grace: 0, seats_licensed: 0, seats_used: 0, unprotected: 0 };
    for (let n = 0; n < licenseCount; n++) {
      const seats = 1 + (n % 50);
      expected.licenses += 1;
      expected[n % 3 === 0 ? 'owner_customer' : 'owner_partner'] += 1;
      expected[n % 2 === 0 ? 'term_annual' : 'term_monthly'] += 1;
      expected[n % 10 === 9 ? 'state_grace' : 'state_active'] += 1;
      expected.seats_licensed += seats;
      expected.seats_used += n % 7 === 0 ? 0 : seats;
      expected.unprotected += n % 7 === 0 ? 1 : 0;
    }

    const download = (query = '') =>
      fetch(`${tenure.url}/v1/usage${query}`, { headers: { authorization: `Bearer ${partner.adminKey.secret}`, accept: 'text/csv' } });
    // A first small read compiles the code paths, so what is measured next is data, not code.
    await (await download(`?companyId=${(await tenure.db.execute<{ id: string }>(sql`select md5(${partner.id} || ':0')::uuid as id`))[0]!.id}`)).text();

    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const retained = () => {
      collectGarbage();
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return heapUsed + arrayBuffers;
    };
    const baseline = retained();
    let peak = baseline;

    const started = performance.now();
    const response = await download();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    const reader = new CsvReader();
    const decoder = new TextDecoder();
    const totals = Object.fromEntries(Object.keys(expected).map((key) => [key, 0])) as typeof expected;
    const summed = ['licenses', 'owner_partner', 'owner_customer', 'term_annual', 'term_monthly', 'state_active', 'state_grace', 'seats_licensed', 'seats_used'] as const;
    const column = (name: string) => documentedColumns.indexOf(name);
    let header: string[] | undefined;
    let lines = 0;
    let malformed = 0;
    let companiesSeen = 0;
    let previousCompany = '';
    let quotedNames = 0;
    let multiLineNames = 0;
    let bodyBytes = 0;
    let sampledAt = 0;
    const onRecord = (record: string[]) => {
      if (!header) {
        header = record;
        return;
      }
      lines += 1;
      if (record.length !== documentedColumns.length) malformed += 1;
      // Lines come ordered by company, so a company's lines are together.
      if (record[column('company_id')] !== previousCompany) companiesSeen += 1;
      previousCompany = record[column('company_id')]!;
      for (const name of summed) totals[name] += Number(record[column(name)]);
      if (record[column('warnings')] === 'protection_not_installed') totals.unprotected += 1;
      const name = record[column('company_name')]!;
      if (name.endsWith(',\r\n"Dupont & Fils"')) multiLineNames += 1;
      else if (name.endsWith(', "Dupont & Fils"')) quotedNames += 1;
    };
    for await (const chunk of response.body!) {
      bodyBytes += chunk.byteLength;
      for (const record of reader.push(decoder.decode(chunk, { stream: true }))) onRecord(record);
      // What is still alive every 2 MB received, after a full collection.
      if (bodyBytes - sampledAt > 2_000_000) {
        sampledAt = bodyBytes;
        peak = Math.max(peak, retained());
      }
    }
    reader.end();
    const seconds = (performance.now() - started) / 1000;

    expect(header).toEqual(documentedColumns);
    expect(lines).toBe(companies * products.length);
    expect(malformed).toBe(0);
    expect(companiesSeen).toBe(companies);
    expect(totals).toEqual(expected);
    expect(multiLineNames).toBe((companies / 1000) * products.length);
    expect(quotedNames).toBe((companies / 10 - companies / 1000) * products.length);
    expect(bodyBytes).toBeGreaterThan(15_000_000);
    // Holding the report would keep several times the body alive (about 90 MB here); streaming
    // keeps one batch of 1,000 lines and the socket's buffers (a few MB), whatever the report's size.
    const grewBy = peak - baseline;
    console.info(`usage CSV: ${(bodyBytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s; live memory grew by at most ${(grewBy / 1e6).toFixed(1)} MB`);
    expect(grewBy).toBeLessThan(bodyBytes / 2);
  });
});

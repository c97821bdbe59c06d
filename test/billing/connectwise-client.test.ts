// The ConnectWise Manage client against a local fake that follows the documented API (DESIGN §6).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectWiseClient, ConnectWiseError, type ConnectWiseSettings } from '../../activities/billing/connectwise-client.js';
import { API_ROOT, startFakeConnectWise, type FakeConnectWise } from '../fakes/connectwise.js';

let connectwise: FakeConnectWise;

beforeEach(async () => {
  connectwise = await startFakeConnectWise();
});

afterEach(async () => {
  await connectwise.close();
});

function settings(overrides: Partial<ConnectWiseSettings> = {}): ConnectWiseSettings {
  return { baseUrl: connectwise.baseUrl, ...connectwise.credentials, ...overrides };
}

function client(overrides: Partial<ConnectWiseSettings> = {}): ConnectWiseClient {
  return new ConnectWiseClient(settings(overrides));
}

async function failureOf(promise: Promise<unknown>): Promise<ConnectWiseError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConnectWiseError);
  return error as ConnectWiseError;
}

describe('ConnectWise client', () => {
  it('verifies a company identifier: the company when it exists, nothing when it does not', async () => {
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp', name: 'Acme Corporation' });
    connectwise.addCompany({ identifier: 'Globex' });

    expect(await client().findCompany('AcmeCorp')).toEqual(acme);
    expect(await client().findCompany('Initech')).toBeUndefined();
  });

  it('R27: verifies an identifier as ConnectWise matches it, ignoring case, and answers ConnectWise\'s spelling', async () => {
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp', name: 'Acme Corporation' });

    expect(await client().findCompany('ACMECORP')).toEqual(acme);
    expect(await client().findCompany('acmecorp')).toMatchObject({ identifier: 'AcmeCorp' });
  });

  it('R27: never takes a listed company with another identifier for the one asked (a site that ignored the condition)', async () => {
    connectwise.ignoreCompanyConditions();
    connectwise.addCompany({ identifier: 'Globex' });
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp' });

    expect(await client().findCompany('Initech')).toBeUndefined();
    expect(await client().findCompany('acmecorp')).toEqual(acme);
  });

  it('quotes an identifier in the conditions so that quotes and backslashes match themselves', async () => {
    const quoted = connectwise.addCompany({ identifier: 'Acme "EU" \\ Ltd' });
    connectwise.addCompany({ identifier: 'Acme ' });

    expect(await client().findCompany('Acme "EU" \\ Ltd')).toEqual(quoted);
    expect(await client().findCompany('Acme " OR identifier="Acme ')).toBeUndefined();
    expect(connectwise.requests[0]?.query.conditions).toBe('identifier="Acme \\"EU\\" \\\\ Ltd"');
  });

  it('sends Basic base64("<company>+<publicKey>:<privateKey>") and the clientId header', async () => {
    connectwise.addCompany({ identifier: 'AcmeCorp' });
    // The fake answers 401 unless both are exactly as documented; a found company proves they were.
    expect(await client({ baseUrl: `${connectwise.baseUrl}/` }).findCompany('AcmeCorp')).toBeDefined();
  });

  it("lists a company's agreements across several pages, and no other company's", async () => {
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp' });
    const globex = connectwise.addCompany({ identifier: 'Globex' });
    const acmeAgreements = ['Security', 'Backup', 'Email', 'Endpoint', 'Mobile'].map((name) => connectwise.addAgreement({ companyId: acme.id, name }));
    connectwise.addAgreement({ companyId: globex.id, name: 'Security' });

    const agreements = await client({ pageSize: 2 }).listAgreements(acme.id);

    expect(agreements).toEqual(acmeAgreements);
    expect(connectwise.requests.map((request) => request.query)).toEqual(
      [1, 2, 3].map((page) => ({ conditions: `company/id=${String(acme.id)}`, page: String(page), pageSize: '2' })),
    );
  });

  it("lists an agreement's additions, reading one more page when the last one was full", async () => {
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp' });
    const agreement = connectwise.addAgreement({ companyId: acme.id, name: 'Security' });
    const additions = ['ESET-PROTECT', 'SOPHOS-CENTRAL', 'TM-WFBS', 'ECOS'].map((product, index) =>
      connectwise.addAddition({ agreementId: agreement.id, product, quantity: index + 1 }),
    );

    expect(await client({ pageSize: 2 }).listAdditions(agreement.id)).toEqual(additions);
    expect(connectwise.requests.map((request) => request.query.page)).toEqual(['1', '2', '3']);
  });

  it('R26: a push sets one addition\'s quantity with the documented JSON Patch', async () => {
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp' });
    const agreement = connectwise.addAgreement({ companyId: acme.id, name: 'Security' });
    const addition = connectwise.addAddition({ agreementId: agreement.id, product: 'ESET-PROTECT', quantity: 10 });

    const updated = await client().updateAdditionQuantity(agreement.id, addition.id, 42);

    expect(updated.quantity).toBe(42);
    expect(connectwise.addition(agreement.id, addition.id)?.quantity).toBe(42);
    expect(connectwise.patches).toEqual([
      { agreementId: agreement.id, additionId: addition.id, body: [{ op: 'replace', path: 'quantity', value: 42 }], status: 200 },
    ]);
  });

  it('R26: a quantity below zero is refused before anything is sent', async () => {
    await expect(client().updateAdditionQuantity(1, 1, -1)).rejects.toThrow(RangeError);
    expect(connectwise.requests).toEqual([]);
  });

  it('posts a periodic summary as a new service ticket and a note in its detail description', async () => {
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp' });

    const ticket = await client().createTicket({ summary: 'Tenure weekly summary', companyId: acme.id, initialDescription: '3 licenses expire this week' });
    const note = await client().addTicketNote(ticket.id, '1 account entered grace');

    expect(ticket).toMatchObject({ summary: 'Tenure weekly summary', company: { id: acme.id } });
    expect(note).toMatchObject({ ticketId: ticket.id, text: '1 account entered grace' });
    expect(connectwise.tickets[0]?.notes).toEqual([{ id: note.id, ticketId: ticket.id, text: '1 account entered grace', detailDescriptionFlag: true }]);
  });

  it('says that authentication failed, with the status, when a key or the clientId is wrong', async () => {
    for (const wrong of [{ privateKey: 'not-the-key' }, { clientId: 'another-integration' }]) {
      const error = await failureOf(client(wrong).findCompany('AcmeCorp'));
      expect(error.kind).toBe('auth');
      expect(error.status).toBe(401);
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(
        'ConnectWise answered 401 to GET /company/companies: authentication failed, check the company, public key, private key and clientId; Authentication failed: wrong credentials or clientId',
      );
    }
  });

  it('sends a site URL that does not reach the API (no /v4_6_release/apis/3.0) to the settings, not to the identifier', async () => {
    connectwise.addCompany({ identifier: 'AcmeCorp' });
    const siteRoot = connectwise.baseUrl.slice(0, -API_ROOT.length);

    for (const read of [(wrong: ConnectWiseClient) => wrong.findCompany('AcmeCorp'), (wrong: ConnectWiseClient) => wrong.listAgreements(1)]) {
      const failure = await failureOf(read(client({ baseUrl: siteRoot })));
      expect(failure).toMatchObject({ kind: 'auth', status: 404, retryable: false });
      expect(failure.message).toContain('/v4_6_release/apis/3.0');
    }
  });

  it('turns the documented error body into a message naming the resource and field', async () => {
    const error = await failureOf(client().createTicket({ summary: 'Tenure weekly summary', companyId: 999_999, initialDescription: '' }));

    expect(error.kind).toBe('rejected');
    expect(error.status).toBe(400);
    expect(error.code).toBe('InvalidObject');
    expect(error.fieldErrors).toEqual([{ code: 'InvalidField', message: 'company must be an existing company {id}', resource: 'ticket', field: 'company' }]);
    expect(error.message).toBe('ConnectWise answered 400 to POST /service/tickets: ticket object is invalid; ticket.company: company must be an existing company {id}');
  });

  it('tells a missing addition apart: 404, not retryable', async () => {
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp' });
    const agreement = connectwise.addAgreement({ companyId: acme.id, name: 'Security' });

    const error = await failureOf(client().updateAdditionQuantity(agreement.id, 424_242, 5));

    expect(error).toMatchObject({ kind: 'not_found', status: 404, code: 'NotFound', retryable: false });
    expect(error.message).toContain('ConnectWise answered 404 to PATCH');
    expect(connectwise.patches).toEqual([{ agreementId: agreement.id, additionId: 424_242, body: [{ op: 'replace', path: 'quantity', value: 5 }], status: 404 }]);
  });

  it('marks 503 and 429 as retryable, with the wait a 429 asks for', async () => {
    connectwise.addCompany({ identifier: 'AcmeCorp' });
    connectwise.failNext(1, 503);
    connectwise.failNext(1, 429, 30);

    const maintenance = await failureOf(client().findCompany('AcmeCorp'));
    expect(maintenance).toMatchObject({ kind: 'unavailable', status: 503, code: 'ServiceUnavailable', retryable: true });
    expect(maintenance.message).toBe('ConnectWise answered 503 to GET /company/companies: ConnectWise is unavailable, retry later; ConnectWise is down for maintenance');

    const busy = await failureOf(client().findCompany('AcmeCorp'));
    expect(busy).toMatchObject({ kind: 'unavailable', status: 429, retryAfterMs: 30_000, retryable: true });

    expect(await client().findCompany('AcmeCorp')).toBeDefined();
  });

  it('waits out a 429 on a read for as long as its Retry-After asks, and reads again', async () => {
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp' });
    const agreement = connectwise.addAgreement({ companyId: acme.id, name: 'Security' });
    const addition = connectwise.addAddition({ agreementId: agreement.id, product: 'ESET-PROTECT', quantity: 3 });
    connectwise.failNext(2, 429, 1);

    const started = Date.now();
    expect(await client().listAdditions(agreement.id)).toEqual([addition]);

    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(connectwise.requests).toHaveLength(3);
  });

  it('waits for rate limits only so long in all, however many reads meet them: then the 429 goes to the caller', async () => {
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp' });
    connectwise.addAgreement({ companyId: acme.id, name: 'Security' });
    const lookup = client({ rateLimitWaitBudgetMs: 1_500 });

    connectwise.failNext(1, 429, 1);
    expect(await lookup.findCompany('AcmeCorp')).toEqual(acme);
    connectwise.failNext(1, 429, 1);
    const started = Date.now();
    const busy = await failureOf(lookup.listAgreements(acme.id));

    // The second wait would pass the budget: the read gives up at once, with ConnectWise's wait for the caller.
    expect(busy).toMatchObject({ kind: 'unavailable', status: 429, retryAfterMs: 1_000, retryable: true });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(connectwise.requests).toHaveLength(3);
  });

  it('does not repeat a change answered 429 by itself: the retry policy of the push decides', async () => {
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp' });
    const agreement = connectwise.addAgreement({ companyId: acme.id, name: 'Security' });
    const addition = connectwise.addAddition({ agreementId: agreement.id, product: 'ESET-PROTECT', quantity: 3 });
    connectwise.failNext(1, 429, 1);

    const busy = await failureOf(client().updateAdditionQuantity(agreement.id, addition.id, 4));

    expect(busy).toMatchObject({ kind: 'unavailable', status: 429, retryAfterMs: 1_000 });
    expect(connectwise.requests).toHaveLength(1);
  });

  it('quotes a short, one-line snippet of an error body that is not ConnectWise\'s JSON (a proxy\'s HTML page, plain text)', async () => {
    connectwise.failNextMatching(1, {
      status: 502,
      text: {
        contentType: 'text/html; charset=utf-8',
        body: '<html>\n<head><style>h1 { color: red }</style></head>\n<body>\n  <h1>502 Bad Gateway</h1>\n  <p>nginx</p>\n</body>\n</html>\n',
      },
    });
    connectwise.failNextMatching(1, { status: 400, text: { contentType: 'text/plain', body: `  Quantity is locked by an invoice.\n${'x'.repeat(500)}` } });

    const proxied = await failureOf(client().findCompany('AcmeCorp'));
    expect(proxied.message).toBe('ConnectWise answered 502 to GET /company/companies: ConnectWise is unavailable, retry later; 502 Bad Gateway nginx');

    const refused = await failureOf(client().findCompany('AcmeCorp'));
    expect(refused.kind).toBe('rejected');
    expect(refused.message).toMatch(/^ConnectWise answered 400 to GET \/company\/companies: Quantity is locked by an invoice\. x+…$/);
    expect(refused.message.length).toBeLessThan(300);
  });

  it('marks a ConnectWise that cannot be reached as retryable, without a status', async () => {
    const gone = await startFakeConnectWise();
    await gone.close();

    const error = await failureOf(client({ baseUrl: gone.baseUrl }).findCompany('AcmeCorp'));

    expect(error).toMatchObject({ kind: 'unavailable', status: undefined, retryable: true });
    expect(error.message).toMatch(/^ConnectWise could not be reached for GET \/company\/companies: no connection/);
  });

  it('gives up on a ConnectWise that does not answer in time, as retryable', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const error = await failureOf(client({ baseUrl: `http://127.0.0.1:${String(port)}`, timeoutMs: 100 }).findCompany('AcmeCorp'));
      expect(error).toMatchObject({ kind: 'unavailable', status: undefined, retryable: true });
      expect(error.message).toBe('ConnectWise could not be reached for GET /company/companies: no answer within 100 ms');
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('refuses a page size ConnectWise would not honour', () => {
    expect(() => client({ pageSize: 1001 })).toThrow(new RangeError('ConnectWise pageSize must be an integer from 1 to 1000, got 1001'));
  });
});

describe('fake ConnectWise', () => {
  it('answers a malformed JSON Patch with 400 and the documented error body, and records it', async () => {
    const acme = connectwise.addCompany({ identifier: 'AcmeCorp' });
    const agreement = connectwise.addAgreement({ companyId: acme.id, name: 'Security' });
    const addition = connectwise.addAddition({ agreementId: agreement.id, product: 'ESET-PROTECT', quantity: 10 });
    const { company, publicKey, privateKey, clientId } = connectwise.credentials;

    const response = await fetch(`${connectwise.baseUrl}/finance/agreements/${String(agreement.id)}/additions/${String(addition.id)}`, {
      method: 'PATCH',
      headers: { Authorization: `Basic ${Buffer.from(`${company}+${publicKey}:${privateKey}`).toString('base64')}`, clientId, 'Content-Type': 'application/json' },
      body: JSON.stringify({ quantity: 12 }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 'InvalidObject',
      message: 'addition object is invalid',
      errors: [{ code: 'InvalidField', message: 'expected a JSON Patch [{"op":"replace","path":"quantity","value":<number>}]', resource: 'addition', field: 'quantity' }],
    });
    expect(connectwise.addition(agreement.id, addition.id)?.quantity).toBe(10);
    expect(connectwise.patches).toMatchObject([{ body: { quantity: 12 }, status: 400 }]);
  });
});

// Hostile input is refused at the edge with 422 naming the field, and leaves nothing behind:
// a renewal beyond the horizon must not poison the license's workflow (issue 14).
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createCompany, createPolicy, inSeconds, issueLicense } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

/** A caller waits this long at most: a renewal that never answers is the defect itself. */
const within = (ms: number) => ({ signal: AbortSignal.timeout(ms) });

async function renew(licenseId: string, body: unknown) {
  const answer = await fetch(`${tenure.url}/v1/licenses/${licenseId}/renew`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenure.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...within(10_000),
  });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
}

describe('a renewal beyond the 100-year horizon', () => {
  it('answers 422 naming the duration, and the same license renews normally right after', async () => {
    const companyId = await createCompany(tenure, { name: 'Hostile Corp', noticeEmails: [] });
    const licenseId = await issueLicense(tenure, { companyId, policyId: await createPolicy(tenure), expiresAt: inSeconds(3_600) });

    const hostile = await renew(licenseId, { duration: 'P99999Y' });
    expect(hostile.status).toBe(422);
    expect(hostile.body).toMatchObject({ code: 'invalid_input', field: 'duration' });

    const normal = await renew(licenseId, { duration: 'P1Y', basis: 'from_now' });
    expect(normal.status, JSON.stringify(normal.body)).toBe(200);
    expect(Date.parse(String(normal.body.expiresAt))).toBeGreaterThan(Date.now() + 364 * 86_400_000);
  });

  it('refuses an expiry date past the horizon too, naming expiresAt', async () => {
    const companyId = await createCompany(tenure, { name: 'Far Future Corp', noticeEmails: [] });
    const issued = await tenure.api('POST', '/v1/licenses', { companyId, product: 'probe', seats: 1, term: 'annual', expiresAt: '2999-01-01T00:00:00Z' });
    expect(issued.status).toBe(422);
    expect(issued.body.field).toBe('expiresAt');
  });
});

describe('text PostgreSQL cannot store', () => {
  it.each([
    ['a NUL character', 'Acme\u0000Corp'],
    ['an unpaired surrogate', 'Acme \uD800 Corp'],
  ])('%s in a company name answers 422 naming the field', async (_, name) => {
    const answer = await tenure.api('POST', '/v1/companies', { name });
    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe('name');
  });

  it('a surrogate pair (an emoji) is ordinary text and is kept', async () => {
    const answer = await tenure.api('POST', '/v1/companies', { name: 'Rocket 🚀 Ltd' });
    expect(answer.status).toBe(201);
    expect(answer.body.name).toBe('Rocket 🚀 Ltd');
  });
});

describe('locales', () => {
  it('keeps a tag Tenure can render, in canonical case, and refuses one it cannot', async () => {
    const kept = await tenure.api('POST', '/v1/companies', { name: 'Québec Inc', locale: 'fr-ca' });
    expect(kept.status).toBe(201);
    expect(kept.body.locale).toBe('fr-CA');
    for (const locale of ['zz-ZZZZ-invalid', 'de-CH-1996', 'en-ZZ']) {
      const refused = await tenure.api('POST', '/v1/companies', { name: 'Nowhere Ltd', locale });
      expect(refused.status, locale).toBe(422);
      expect(refused.body.field).toBe('locale');
    }
  });
});

describe('a query value that is not valid percent-encoding', () => {
  it('answers 422 naming the parameter, in CSV as in JSON, instead of reading it as literal text', async () => {
    for (const accept of ['application/json', 'text/csv']) {
      const answer = await fetch(`${tenure.url}/v1/usage?product=%ZZ`, { headers: { authorization: `Bearer ${tenure.adminKey}`, accept }, ...within(10_000) });
      expect(answer.status, accept).toBe(422);
      expect(await answer.json()).toMatchObject({ code: 'invalid_input', field: 'product' });
    }
  });
});

describe('compressed bodies', () => {
  const post = (body: Uint8Array | string, encoding: string) =>
    fetch(`${tenure.url}/v1/companies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenure.adminKey}`, 'content-type': 'application/json', 'content-encoding': encoding },
      // A copy on its own ArrayBuffer: fetch's types take no view of a shared one, which zlib's Buffers may be.
      body: typeof body === 'string' ? body : Uint8Array.from(body),
      ...within(10_000),
    }).then(async (answer) => ({ status: answer.status, body: (await answer.json()) as Record<string, unknown> }));
  const json = (name: string) => JSON.stringify({ name });

  it('are read inflated (gzip, deflate, br) within the 1 MB limit', async () => {
    expect(await post(gzipSync(json('Gzipped Ltd')), 'gzip')).toMatchObject({ status: 201, body: { name: 'Gzipped Ltd' } });
    expect(await post(deflateSync(json('Deflated Ltd')), 'deflate')).toMatchObject({ status: 201, body: { name: 'Deflated Ltd' } });
    expect(await post(brotliCompressSync(json('Brotli Ltd')), 'br')).toMatchObject({ status: 201, body: { name: 'Brotli Ltd' } });
    // 20 MB of zeros in 20 KB: refused once the inflated body passes the limit.
    expect(await post(gzipSync(Buffer.alloc(20_000_000)), 'gzip')).toMatchObject({ status: 413, body: { code: 'body_too_large' } });
  });

  it('answer 400 naming Content-Encoding when they do not inflate, and 415 for an encoding Tenure does not read', async () => {
    const truncated = gzipSync(json('Truncated Ltd')).subarray(0, 12);
    for (const [body, encoding] of [[json('Plain Ltd'), 'gzip'], [json('Plain Ltd'), 'br'], [truncated, 'gzip'], [json('Plain Ltd'), 'deflate']] as const) {
      expect(await post(body, encoding), encoding).toMatchObject({ status: 400, body: { code: 'malformed_body', field: 'Content-Encoding' } });
    }
    expect(await post(json('Packed Ltd'), 'compress')).toMatchObject({ status: 415, body: { code: 'unsupported_content_encoding', field: 'Content-Encoding' } });
    const names = (await tenure.api('GET', '/v1/companies?limit=100')).body.data.map((company: { name: string }) => company.name);
    expect(names).not.toContain('Plain Ltd');
  });
});

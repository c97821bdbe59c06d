// Issue 14: the codec endpoint the Temporal UI calls: its protocol, CORS, key check, and no 5xx from any body.
import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import { defaultPayloadConverter } from '@temporalio/common';
import fc from 'fast-check';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecEndpoints } from '../../platform/codec/codec-server.js';
import { PayloadEncryptionCodec } from '../../platform/codec/payload-codec.js';
import { payloadToJson } from '../../platform/codec/payload-json.js';

const UI_ORIGIN = 'http://localhost:8233';
const codec = new PayloadEncryptionCodec({ currentKeyId: 'k1', keys: new Map([['k1', randomBytes(32)]]) });
const authorize = async (header: string | undefined) => header === 'Bearer ops-key';
const servers: Server[] = [];

async function serve(app: { callback(): RequestListener }): Promise<string> {
  const server = createServer(app.callback());
  servers.push(server);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

let standalone: string;
/** As the API mounts it today: after its JSON body parser. */
let afterBodyParser: string;

beforeAll(async () => {
  standalone = await serve(new Koa().use(codecEndpoints({ codec, uiOrigins: [UI_ORIGIN], authorize, bodyLimitBytes: 64 * 1024 })));
  const withBodyParser = new Koa().use(bodyParser({ enableTypes: ['json'] })).use(codecEndpoints({ codec, uiOrigins: [UI_ORIGIN], authorize }));
  // The body parser's own 400s are the API's to log, not this test's output.
  withBodyParser.silent = true;
  afterBodyParser = await serve(withBodyParser);
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
});

const post = (base: string, path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ops-key', ...headers }, body });

const contactPayloads = () => JSON.stringify({ payloads: [payloadToJson(defaultPayloadConverter.toPayload({ company: 'Acme Corp' }))] });

describe('codec endpoint', () => {
  it.each([
    ['standalone', () => standalone],
    ['after a JSON body parser', () => afterBodyParser],
  ])('encodes and decodes payloads as the Temporal UI sends them (%s)', async (_, base) => {
    const encoded = await post(base(), '/codec/encode', contactPayloads());
    expect(encoded.status).toBe(200);
    const encodedBody = await encoded.text();
    const [ciphertext] = (JSON.parse(encodedBody) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    expect(Buffer.from(ciphertext!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(ciphertext!.data, 'base64').toString('latin1')).not.toContain('Acme Corp');

    const decoded = await post(base(), '/codec/decode', encodedBody);
    expect(decoded.status).toBe(200);
    const { payloads } = (await decoded.json()) as { payloads: { data: string }[] };
    expect(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString())).toEqual({ company: 'Acme Corp' });
  });

  it('decodes an encrypted empty result (a void local activity, `binary/null` with no data) with 200, not 500', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(undefined)]);
    const answer = await post(standalone, '/codec/decode', JSON.stringify({ payloads: [payloadToJson(encrypted!)] }));
    expect(answer.status).toBe(200);
    const [decoded] = ((await answer.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    expect(Buffer.from(decoded!.metadata.encoding!, 'base64').toString()).toBe('binary/null');
    expect(decoded!.data).toBe('');
  });

  it('answers an empty list to `{}`, which the Temporal CLI sends for an event without payloads', async () => {
    const answer = await post(standalone, '/codec/decode', '{}');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ payloads: [] });
  });

  it('answers the UI origin with credentials allowed, and its preflight without a key', async () => {
    const preflight = await fetch(`${standalone}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type, x-namespace, authorization');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');

    const answer = await post(standalone, '/codec/decode', contactPayloads(), { origin: UI_ORIGIN });
    expect(answer.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  });

  it('gives other origins no cross-origin access', async () => {
    const preflight = await fetch(`${standalone}/codec/decode`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each([
    ['no key', {}],
    ['a wrong key', { authorization: 'Bearer guess' }],
  ])('answers 401 problem+json to %s', async (_, headers) => {
    const answer = await fetch(`${standalone}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: contactPayloads() });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(((await answer.json()) as { code: string }).code).toBe('unauthorized');
  });

  it('answers 503, not 500, when keys cannot be checked', async () => {
    const base = await serve(new Koa().use(codecEndpoints({ codec, uiOrigins: [], authorize: async () => Promise.reject(new Error('database down')) })));
    expect((await post(base, '/codec/decode', contactPayloads())).status).toBe(503);
  });

  it('answers 422 naming the key id for a payload no configured key can decrypt', async () => {
    const stranger = new PayloadEncryptionCodec({ currentKeyId: 'other', keys: new Map([['other', randomBytes(32)]]) });
    const [foreign] = await stranger.encode([defaultPayloadConverter.toPayload('x')]);
    const answer = await post(standalone, '/codec/decode', JSON.stringify({ payloads: [payloadToJson(foreign!)] }));
    expect(answer.status).toBe(422);
    expect(((await answer.json()) as { detail: string }).detail).toContain('"other"');
  });

  it('answers 405 with Allow to other methods and 413 to an oversized body', async () => {
    const get = await fetch(`${standalone}/codec/decode`, { headers: { authorization: 'Bearer ops-key' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    const huge = JSON.stringify({ payloads: [{ data: 'A'.repeat(100 * 1024) }] });
    expect((await post(standalone, '/codec/decode', huge)).status).toBe(413);
  });

  it('answers 400, never 5xx, to any body that is not a codec request', async () => {
    const hostile = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({ payloads: fc.array(fc.record({ metadata: fc.dictionary(fc.string(), fc.string()), data: fc.string() }, { requiredKeys: [] })) })
        .map((request) => JSON.stringify(request)),
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (body) => {
        for (const base of [standalone, afterBodyParser]) {
          const answer = await post(base, '/codec/decode', body);
          await answer.arrayBuffer();
          expect(answer.status).toBeLessThan(500);
        }
      }),
      { numRuns: 150 },
    );
    for (const malformed of ['{', '[]', '{"payloads":[{"data":"not base64!"}]}', '{"payloads":[{"metadata":{"encoding":7}}]}']) {
      expect((await post(standalone, '/codec/decode', malformed)).status).toBe(400);
    }
  });
});

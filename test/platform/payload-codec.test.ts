// Issue 14: personal data is encrypted in every Temporal payload, readable only with the keys.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import Koa from 'koa';
import { describe, expect, inject, it } from 'vitest';
import { codecEndpoints } from '../../platform/codec/codec-server.js';
import type { PayloadKeyring } from '../../platform/codec/keys.js';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptionError, PayloadEncryptionCodec } from '../../platform/codec/payload-codec.js';
import { payloadToJson } from '../../platform/codec/payload-json.js';
import type { CustomerContact, NoticeActivities } from './codec-workflow.js';

const contact: CustomerContact = { company: 'Acme Corp', email: 'alice@example.com' };

function keyring(current: string, ...ids: string[]): PayloadKeyring {
  return { currentKeyId: current, keys: new Map([current, ...ids].map((id) => [id, randomBytes(32)])) };
}

const asText = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('latin1');
const metadataText = (payload: Payload, name: string) => Buffer.from(payload.metadata?.[name] ?? new Uint8Array()).toString('utf8');

describe('payload encryption codec', () => {
  it('round-trips a payload, metadata included', async () => {
    const codec = new PayloadEncryptionCodec(keyring('k1'));
    const original = defaultPayloadConverter.toPayload(contact);
    const [encrypted] = await codec.encode([original]);
    const [decrypted] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual(contact);
    expect(metadataText(decrypted!, METADATA_ENCODING_KEY)).toBe('json/plain');
  });

  it('leaves no plaintext in the ciphertext and names the key that encrypted it', async () => {
    const codec = new PayloadEncryptionCodec(keyring('k1'));
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(contact)]);
    expect(asText(encrypted!.data)).not.toContain('Acme Corp');
    expect(asText(encrypted!.data)).not.toContain('alice@example.com');
    expect(metadataText(encrypted!, METADATA_ENCODING_KEY)).toBe(ENCRYPTED_ENCODING);
    expect(metadataText(encrypted!, KEY_ID_METADATA)).toBe('k1');
  });

  it('draws a fresh IV for every payload, so equal inputs do not look equal', async () => {
    const codec = new PayloadEncryptionCodec(keyring('k1'));
    const [first, second] = await codec.encode([defaultPayloadConverter.toPayload(contact), defaultPayloadConverter.toPayload(contact)]);
    expect(asText(first!.data)).not.toBe(asText(second!.data));
  });

  it('after a rotation, encrypts with the new current key and still decrypts what the old key encrypted', async () => {
    const before = keyring('2024');
    const [old] = await new PayloadEncryptionCodec(before).encode([defaultPayloadConverter.toPayload(contact)]);
    const after: PayloadKeyring = { currentKeyId: '2025', keys: new Map([...before.keys, ['2025', randomBytes(32)]]) };
    const rotated = new PayloadEncryptionCodec(after);

    const [decrypted] = await rotated.decode([old!]);
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual(contact);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(contact)]);
    expect(metadataText(fresh!, KEY_ID_METADATA)).toBe('2025');
  });

  it('refuses a payload of an unknown key id, naming that id', async () => {
    const [encrypted] = await new PayloadEncryptionCodec(keyring('retired')).encode([defaultPayloadConverter.toPayload(contact)]);
    const decoding = new PayloadEncryptionCodec(keyring('k2')).decode([encrypted!]);
    await expect(decoding).rejects.toThrow(PayloadDecryptionError);
    await expect(decoding).rejects.toThrow(/key id "retired"/);
  });

  it('rejects a tampered ciphertext', async () => {
    const codec = new PayloadEncryptionCodec(keyring('k1'));
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(contact)]);
    const data = Uint8Array.from(encrypted!.data!);
    data[20]! ^= 0x01;
    await expect(codec.decode([{ ...encrypted!, data }])).rejects.toThrow(/failed authentication/);
  });

  it('passes payloads written before encryption was turned on through unchanged', async () => {
    const plain = defaultPayloadConverter.toPayload(contact);
    const [decoded] = await new PayloadEncryptionCodec(keyring('k1')).decode([plain]);
    expect(decoded).toBe(plain);
  });
});

describe('a Temporal history written through the codec', () => {
  it('holds no company name or e-mail address, and the codec endpoint shows them to a key holder', async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const codec = new PayloadEncryptionCodec(keyring('k1'));
    const address = inject('temporalAddress');
    const taskQueue = `codec-${randomBytes(4).toString('hex')}`;
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./codec-workflow.ts', import.meta.url)),
      logger: new DefaultLogger('WARN'),
    });
    const activities: NoticeActivities = { addressNotice: async ({ company, email }) => `Dear ${company} <${email}>` };
    const workerConnection = await NativeConnection.connect({ address });
    const worker = await Worker.create({ connection: workerConnection, taskQueue, workflowBundle, activities, dataConverter: { payloadCodecs: [codec] } });
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, dataConverter: { payloadCodecs: [codec] } });
    const workflowId = `codec-${randomBytes(4).toString('hex')}`;

    try {
      const result = await worker.runUntil(
        client.workflow.execute('welcomeCustomer', { taskQueue, workflowId, args: [contact], staticSummary: `Welcome ${contact.company}` }),
      );
      expect(result).toBe('Dear Acme Corp <alice@example.com>');

      // The raw gRPC service: what a Temporal operator, or `temporal workflow show` without a codec, reads.
      const { history } = await new Client({ connection }).workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId } });
      const rawHistory = asText(temporal.api.history.v1.History.encode(history!).finish());
      expect(rawHistory).not.toContain('Acme Corp');
      expect(rawHistory).not.toContain('alice@example.com');
      const payloads = payloadsIn(history);
      expect(payloads.length).toBeGreaterThanOrEqual(5);
      for (const payload of payloads) expect(metadataText(payload, METADATA_ENCODING_KEY)).toBe(ENCRYPTED_ENCODING);

      const decoded = await decodeThroughEndpoint(codec, payloads);
      expect(decoded).toContainEqual(contact);
      expect(decoded).toContain('Welcome Acme Corp');
      expect(decoded).toContain('Dear Acme Corp <alice@example.com>');
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  });
});

/** Every Payload message anywhere in a history: inputs, results, summaries, details. */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (isPayload(value)) found.push(value);
  else if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const child of Object.values(value)) payloadsIn(child, found);
  }
  return found;
}

function isPayload(value: unknown): value is Payload {
  const candidate = value as Payload | null;
  return typeof candidate?.metadata === 'object' && candidate.data instanceof Uint8Array;
}

/** As the Temporal UI does it: the history's payloads, as JSON, to `/codec/decode`. */
async function decodeThroughEndpoint(codec: PayloadEncryptionCodec, payloads: Payload[]): Promise<unknown[]> {
  const app = new Koa().use(codecEndpoints({ codec, uiOrigins: [], authorize: async (header) => header === 'Bearer ops-key' }));
  const server = createServer(app.callback());
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  try {
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', authorization: 'Bearer ops-key' },
      body: JSON.stringify({ payloads: payloads.map(payloadToJson) }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    return body.payloads.map((payload) => JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')));
  } finally {
    await new Promise<void>((done) => server.close(() => done()));
  }
}

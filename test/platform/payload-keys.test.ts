// Issue 14: payload keys come from the environment, or from a local file under `npm start`;
// a bad setting is one line naming the variable, and never echoes key material.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localPayloadKeys, PayloadKeyError, payloadKeysFromEnvironment } from '../../platform/codec/keys.js';

const key = () => randomBytes(32).toString('base64');

describe('payload keys from the environment', () => {
  it('reads id:base64key entries; the first is current unless TENURE_PAYLOAD_KEY_ID says otherwise', () => {
    const [a, b] = [key(), key()];
    const byDefault = payloadKeysFromEnvironment({ TENURE_PAYLOAD_KEYS: `2025:${a}, 2024:${b}` });
    expect(byDefault?.currentKeyId).toBe('2025');
    expect(Buffer.from(byDefault!.keys.get('2024')!).toString('base64')).toBe(b);
    expect(payloadKeysFromEnvironment({ TENURE_PAYLOAD_KEYS: `2025:${a},2024:${b}`, TENURE_PAYLOAD_KEY_ID: '2024' })?.currentKeyId).toBe('2024');
  });

  it('is undefined when no keys are configured', () => {
    expect(payloadKeysFromEnvironment({})).toBeUndefined();
  });

  const short = randomBytes(16).toString('base64');
  it.each([
    [{ TENURE_PAYLOAD_KEYS: 'no-colon' }, /^TENURE_PAYLOAD_KEYS: entry 1 of 1 must be id:base64key$/],
    [{ TENURE_PAYLOAD_KEYS: `k1:${short}` }, /^TENURE_PAYLOAD_KEYS: key "k1" is 16 bytes; AES-256 needs 32/],
    [{ TENURE_PAYLOAD_KEYS: 'k1:***' }, /^TENURE_PAYLOAD_KEYS: key "k1" is not base64$/],
    [{ TENURE_PAYLOAD_KEYS: `bad id:${key()}` }, /^TENURE_PAYLOAD_KEYS: entry 1 of 1 has id "bad id"/],
    [{ TENURE_PAYLOAD_KEYS: `k1:${key()},k1:${key()}` }, /^TENURE_PAYLOAD_KEYS: key id "k1" appears twice$/],
    [{ TENURE_PAYLOAD_KEYS: ' , ' }, /^TENURE_PAYLOAD_KEYS: holds no key/],
    [{ TENURE_PAYLOAD_KEYS: `k1:${key()}`, TENURE_PAYLOAD_KEY_ID: 'k9' }, /^TENURE_PAYLOAD_KEY_ID: "k9" is not one of the ids in TENURE_PAYLOAD_KEYS \(k1\)$/],
    [{ TENURE_PAYLOAD_KEY_ID: 'k1' }, /^TENURE_PAYLOAD_KEY_ID: is set but TENURE_PAYLOAD_KEYS is not$/],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => payloadKeysFromEnvironment(env)).toThrow(PayloadKeyError);
    expect(() => payloadKeysFromEnvironment(env)).toThrow(message);
  });

  it('never repeats a key in its messages', () => {
    const secret = randomBytes(16).toString('base64');
    expect(() => payloadKeysFromEnvironment({ TENURE_PAYLOAD_KEYS: `k1:${secret}` })).toThrow(expect.objectContaining({ message: expect.not.stringContaining(secret) }));
  });
});

describe('the local key file of npm start', () => {
  it('is created once, owner-only, and gives the same key after a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tenure-keys-'));
    try {
      const first = await localPayloadKeys(join(dataDir, 'nested'));
      const again = await localPayloadKeys(join(dataDir, 'nested'));
      expect(again.currentKeyId).toBe(first.currentKeyId);
      expect(again.keys.get(again.currentKeyId)).toEqual(first.keys.get(first.currentKeyId));
      expect((await stat(join(dataDir, 'nested', 'payload-keys'))).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

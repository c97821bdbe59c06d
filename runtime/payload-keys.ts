// The payload codec of every Temporal client and worker this installation makes: one keyring,
// so what the API encrypts (workflow inputs, summaries) the worker decrypts, and back.
import type { DataConverter } from '@temporalio/common';
import { localPayloadKeys, payloadKeysFromEnvironment, type PayloadKeyring } from '../platform/codec/keys.js';
import { PayloadEncryptionCodec } from '../platform/codec/payload-codec.js';
import { ConfigError, isProduction, type Config } from './config.js';

/**
 * TENURE_PAYLOAD_KEYS when set. Otherwise a key file under TENURE_DATA_DIR, created at first use:
 * right for `npm start`, and for an api and a worker sharing one machine in development. In
 * production with an external Temporal that would let each machine invent its own key, so
 * the variable is required.
 */
export async function payloadKeyring(config: Config, options: { embeddedTemporal: boolean }): Promise<PayloadKeyring> {
  const fromEnvironment = payloadKeysFromEnvironment({ TENURE_PAYLOAD_KEYS: config.TENURE_PAYLOAD_KEYS, TENURE_PAYLOAD_KEY_ID: config.TENURE_PAYLOAD_KEY_ID });
  if (fromEnvironment) return fromEnvironment;
  if (isProduction(config) && !options.embeddedTemporal) {
    throw new ConfigError(
      'TENURE_PAYLOAD_KEYS',
      'is required in production with an external Temporal, or histories would hold personal data in clear; set it to key-id:base64key (make a key with: openssl rand -base64 32)',
    );
  }
  return localPayloadKeys(config.TENURE_DATA_DIR);
}

export function payloadCodec(keyring: PayloadKeyring): PayloadEncryptionCodec {
  return new PayloadEncryptionCodec(keyring);
}

/** For `new Client({ dataConverter })` and `Worker.create({ dataConverter })`: summaries and details go through it too. */
export function encryptingDataConverter(codec: PayloadEncryptionCodec): DataConverter {
  return { payloadCodecs: [codec] };
}

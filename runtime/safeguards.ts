// What every process of one installation shares to keep data in: the payload codec (the same
// keys in the API's client and the worker) and where webhooks may point.
import type { PayloadEncryptionCodec } from '../platform/codec/payload-codec.js';
import type { TargetPolicy } from '../platform/network/address-guard.js';
import type { Config } from './config.js';
import { payloadCodec, payloadKeyring } from './payload-keys.js';
import { webhookTargets } from './webhook-targets.js';

export interface Safeguards {
  codec: PayloadEncryptionCodec;
  webhookTargets: TargetPolicy;
  /** `npm start` with its own dev server: that server's UI may decode from this machine without a key. */
  trustLocalTemporalUi: boolean;
}

/** Read at start, so a bad key or allow-list entry ends the process with one line naming the variable. */
export async function safeguardsOf(config: Config, options: { embeddedTemporal: boolean }): Promise<Safeguards> {
  const targets = webhookTargets(config);
  const codec = payloadCodec(await payloadKeyring(config, options));
  return { codec, webhookTargets: targets, trustLocalTemporalUi: options.embeddedTemporal };
}

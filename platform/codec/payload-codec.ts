// Encrypts every Temporal payload (workflow and activity inputs and results, summaries,
// details) with AES-256-GCM before it leaves the process, so a Temporal operator reading
// histories sees no company name or e-mail address. The layout is the one of Temporal's
// encryption sample: 12-byte IV, ciphertext, 16-byte tag; the whole original payload,
// metadata included, is what is encrypted.
import { createCipheriv, createDecipheriv, createSecretKey, randomFillSync, type KeyObject } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
// The default import: @temporalio/proto is CommonJS, and Node's ESM loader (tsx, npm start) finds no named exports in it.
import proto from '@temporalio/proto';
import { PAYLOAD_KEY_BYTES, type PayloadKeyring } from './keys.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ProtoPayload = proto.temporal.api.common.v1.Payload;
const ENCRYPTED_ENCODING_BYTES = new TextEncoder().encode(ENCRYPTED_ENCODING);
/** IVs drawn this many at a time: one call into the random source per 341 payloads instead of one each. */
const IVS_PER_DRAW = 341;

/** A payload this process cannot decrypt; the message says which key id and what to do. */
export class PayloadDecryptionError extends Error {
  constructor(
    readonly keyId: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

export class PayloadEncryptionCodec implements PayloadCodec {
  // Key objects made once: given raw bytes, every cipher would copy the key into a new one.
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly currentKey: KeyObject;
  private readonly currentKeyIdBytes: Uint8Array;
  private readonly ivs = Buffer.alloc(IV_BYTES * IVS_PER_DRAW);
  private ivsUsed = IVS_PER_DRAW;

  constructor(private readonly keyring: PayloadKeyring) {
    for (const [id, key] of keyring.keys) {
      if (key.length !== PAYLOAD_KEY_BYTES) throw new Error(`payload key "${id}" is ${key.length} bytes; AES-256 needs ${PAYLOAD_KEY_BYTES}`);
    }
    this.keys = new Map([...keyring.keys].map(([id, key]) => [id, createSecretKey(key)]));
    const current = this.keys.get(keyring.currentKeyId);
    if (!current) throw new Error(`the current payload key id "${keyring.currentKeyId}" has no key`);
    this.currentKey = current;
    this.currentKeyIdBytes = new TextEncoder().encode(keyring.currentKeyId);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const iv = this.nextIv();
    const cipher = createCipheriv(CIPHER, this.currentKey, iv, { authTagLength: TAG_BYTES });
    const plaintext = ProtoPayload.encode(payload).finish();
    const ciphertext = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      // Copies, each with a buffer of its own: a payload's bytes may be handed on (transferred) whole.
      metadata: {
        [METADATA_ENCODING_KEY]: ENCRYPTED_ENCODING_BYTES.slice(),
        [KEY_ID_METADATA]: this.currentKeyIdBytes.slice(),
      },
      data: new Uint8Array(ciphertext),
    };
  }

  /** A fresh random IV, never one given before: GCM with a repeated IV under one key leaks both plaintexts. */
  private nextIv(): Buffer {
    if (this.ivsUsed === IVS_PER_DRAW) {
      randomFillSync(this.ivs);
      this.ivsUsed = 0;
    }
    const start = IV_BYTES * this.ivsUsed++;
    // A copy: the pool is refilled in place once used up.
    return Buffer.from(this.ivs.subarray(start, start + IV_BYTES));
  }

  private decrypt(payload: Payload): Payload {
    // Payloads written before encryption was turned on stay readable.
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (keyId === undefined) throw new PayloadDecryptionError(undefined, `an encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        keyId,
        `payload encrypted with key id "${keyId}", which is not among the configured payload keys (${[...this.keyring.keys.keys()].join(', ')}); add it back to TENURE_PAYLOAD_KEYS to read it`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(keyId, `payload encrypted with key id "${keyId}" is truncated`);
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(keyId, `payload encrypted with key id "${keyId}" failed authentication: it was altered, or that id now names a different key`);
    }
    return ProtoPayload.decode(plaintext);
  }
}

const utf8 = new TextDecoder();

function text(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? utf8.decode(bytes) : undefined;
}

// The AES-256 keys that encrypt Temporal payloads: from the environment in a deployment
// (TENURE_PAYLOAD_KEYS, TENURE_PAYLOAD_KEY_ID), from a file under the data directory when
// `npm start` runs everything on one machine.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const PAYLOAD_KEY_BYTES = 32;
/** Key ids travel in every payload's metadata and in error messages: short and printable. */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const LOCAL_KEY_FILE = 'payload-keys';

export interface PayloadKeyring {
  /** New payloads are encrypted with this key; every key decrypts what it encrypted before a rotation. */
  currentKeyId: string;
  keys: ReadonlyMap<string, Uint8Array>;
}

/** A key setting that cannot be used; the message is one line naming the variable (or file), never a key. */
export class PayloadKeyError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'PayloadKeyError';
  }
}

/**
 * The keyring the environment describes, or undefined when TENURE_PAYLOAD_KEYS is not set
 * (the caller decides whether that is allowed, e.g. only with the embedded servers).
 */
export function payloadKeysFromEnvironment(env: NodeJS.ProcessEnv = process.env): PayloadKeyring | undefined {
  const keysText = env.TENURE_PAYLOAD_KEYS?.trim();
  const currentKeyId = env.TENURE_PAYLOAD_KEY_ID?.trim() || undefined;
  if (!keysText) {
    if (currentKeyId) throw new PayloadKeyError('TENURE_PAYLOAD_KEY_ID', 'is set but TENURE_PAYLOAD_KEYS is not');
    return undefined;
  }
  const keys = parseKeyList(keysText, 'TENURE_PAYLOAD_KEYS');
  if (currentKeyId !== undefined && !keys.has(currentKeyId)) {
    throw new PayloadKeyError('TENURE_PAYLOAD_KEY_ID', `"${currentKeyId}" is not one of the ids in TENURE_PAYLOAD_KEYS (${[...keys.keys()].join(', ')})`);
  }
  return { currentKeyId: currentKeyId ?? firstId(keys), keys };
}

/**
 * The keyring of a single-machine installation: `<dataDir>/payload-keys`, created with one
 * fresh key (readable by its owner only) on first use, so the histories the embedded Temporal
 * server keeps are encrypted from the start and stay readable after a restart. The file uses
 * the TENURE_PAYLOAD_KEYS format, so its line can be moved into a deployment's environment.
 */
export async function localPayloadKeys(dataDir: string): Promise<PayloadKeyring> {
  const path = join(dataDir, LOCAL_KEY_FILE);
  await mkdir(dataDir, { recursive: true });
  const entry = `local-1:${Buffer.from(randomBytes(PAYLOAD_KEY_BYTES)).toString('base64')}\n`;
  try {
    // `wx`: two processes starting at once must not each write a different key.
    await writeFile(path, entry, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const keys = parseKeyList((await readFile(path, 'utf8')).trim(), path);
  return { currentKeyId: firstId(keys), keys };
}

/** `id:base64key` entries separated by commas (or lines, in the local file). */
function parseKeyList(text: string, variable: string): Map<string, Uint8Array> {
  const keys = new Map<string, Uint8Array>();
  const entries = text.split(/[,\n]/).map((entry) => entry.trim()).filter(Boolean);
  entries.forEach((entry, index) => {
    const position = `entry ${index + 1} of ${entries.length}`;
    const separator = entry.indexOf(':');
    if (separator < 0) throw new PayloadKeyError(variable, `${position} must be id:base64key`);
    const id = entry.slice(0, separator).trim();
    const encoded = entry.slice(separator + 1).trim();
    if (!KEY_ID.test(id)) throw new PayloadKeyError(variable, `${position} has id "${printable(id)}"; ids are 1-64 letters, digits, '.', '_' or '-'`);
    if (keys.has(id)) throw new PayloadKeyError(variable, `key id "${id}" appears twice`);
    if (!BASE64.test(encoded)) throw new PayloadKeyError(variable, `key "${id}" is not base64`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== PAYLOAD_KEY_BYTES) {
      throw new PayloadKeyError(variable, `key "${id}" is ${key.length} bytes; AES-256 needs ${PAYLOAD_KEY_BYTES} (make one with: openssl rand -base64 32)`);
    }
    keys.set(id, new Uint8Array(key));
  });
  if (keys.size === 0) throw new PayloadKeyError(variable, 'holds no key; expected id:base64key[,id:base64key…]');
  return keys;
}

function firstId(keys: ReadonlyMap<string, Uint8Array>): string {
  return keys.keys().next().value as string;
}

/** Echoes what the operator typed without letting it break the one-line message. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}

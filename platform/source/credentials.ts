// Source credentials at rest (DESIGN §5): AES-256-GCM under a key from the environment
// (TENURE_CREDENTIALS_KEY) or, for `npm start`, a key file under the data directory. The API
// encrypts them when a source is saved; only the sync's activities decrypt them, so they are
// never returned, never logged, and never cross Temporal in clear (workflows see the source id).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const VERSION = 'v1';
const LOCAL_KEY_FILE = 'credentials-key';

export interface CredentialCipher {
  encrypt(credentials: unknown): string;
  decrypt(sealed: string): unknown;
}

/** A key that cannot be used; the message names the variable or file, never the key. */
export class CredentialKeyError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'CredentialKeyError';
  }
}

/** `TENURE_CREDENTIALS_KEY`: 32 bytes in base64 (make one with `openssl rand -base64 32`). */
export function credentialCipherFromKey(base64Key: string, variable = 'TENURE_CREDENTIALS_KEY'): CredentialCipher {
  const key = Buffer.from(base64Key.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new CredentialKeyError(variable, `is ${key.length} bytes; AES-256 needs ${KEY_BYTES} in base64 (make one with: openssl rand -base64 32)`);
  }
  // Names the key in each sealed value, so a value sealed under another key says so rather than failing obscurely.
  const keyId = createHash('sha256').update(key).digest('base64url').slice(0, 8);
  return {
    encrypt(credentials) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
      return [VERSION, keyId, iv.toString('base64'), cipher.getAuthTag().toString('base64'), sealed.toString('base64')].join(':');
    },
    decrypt(sealed) {
      const [version, sealedKeyId, iv, tag, body] = sealed.split(':');
      if (version !== VERSION || !iv || !tag || !body) throw new CredentialKeyError(variable, 'a stored credential is not in a format this version reads');
      if (sealedKeyId !== keyId) throw new CredentialKeyError(variable, `a stored credential was encrypted under another key (${sealedKeyId}); set the key it was saved with`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8'));
    },
  };
}

/** The key of a single-machine installation: `<dataDir>/credentials-key`, made (owner-readable only) on first use. */
export async function localCredentialCipher(dataDir: string): Promise<CredentialCipher> {
  const path = join(dataDir, LOCAL_KEY_FILE);
  await mkdir(dataDir, { recursive: true });
  try {
    // `wx`: two processes starting at once must not each write a different key.
    await writeFile(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return credentialCipherFromKey(await readFile(path, 'utf8'), path);
}

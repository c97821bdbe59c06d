// API keys: a secret shown once, stored as a SHA-256 hash, scoped to one partner (R31).
import { createHash, randomBytes } from 'node:crypto';
import { count } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { apiKeys, partners } from '../db/schema.js';

export type Role = 'admin' | 'operator' | 'viewer';

export function newSecret(): string {
  return `tk_${randomBytes(24).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * TENURE_BOOTSTRAP_KEY on an empty database creates the first partner with that admin
 * key: how a new user or a script gets a first key. Does nothing once any partner exists.
 */
export async function ensureBootstrapPartner(db: Database, secret: string | undefined): Promise<boolean> {
  if (!secret) return false;
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ partners: count() }).from(partners);
    if ((row?.partners ?? 0) > 0) return false;
    const [partner] = await tx.insert(partners).values({ name: 'My MSP' }).returning({ id: partners.id });
    await tx.insert(apiKeys).values({ partnerId: partner!.id, name: 'bootstrap', role: 'admin', secretHash: hashSecret(secret) });
    return true;
  });
}

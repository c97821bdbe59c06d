// API keys: a secret shown once, stored as a SHA-256 hash, scoped to one partner (R31).
import { createHash, randomBytes } from 'node:crypto';
import { count } from 'drizzle-orm';
import type { Database, Transaction } from '../../db/client.js';
import { apiKeys, partners } from '../../db/schema.js';
import { audit } from '../audit/record.js';

export type Role = 'admin' | 'operator' | 'viewer';

export function newSecret(): string {
  return `tk_${randomBytes(24).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

type ApiKeyRow = typeof apiKeys.$inferSelect;

/** A key as listed: never its secret nor its hash. */
export function apiKeyRepresentation(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    accessGroupIds: row.accessGroupIds,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export interface NewApiKey {
  partnerId: string;
  name: string;
  role: Role;
  accessGroupIds?: string[] | undefined;
}

/** Creates a key and its audit entry; the secret is returned here and never again. */
export async function issueApiKey(tx: Transaction, key: NewApiKey, actor: string): Promise<{ row: ApiKeyRow; secret: string }> {
  const secret = newSecret();
  const [row] = await tx
    .insert(apiKeys)
    .values({ partnerId: key.partnerId, name: key.name, role: key.role, accessGroupIds: key.accessGroupIds ?? null, secretHash: hashSecret(secret) })
    .returning();
  await audit(tx, { partnerId: key.partnerId, subjectType: 'api_key', subjectId: row!.id, action: 'api_key.created', actor, after: apiKeyRepresentation(row!) });
  return { row: row!, secret };
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
    const [key] = await tx.insert(apiKeys).values({ partnerId: partner!.id, name: 'bootstrap', role: 'admin', secretHash: hashSecret(secret) }).returning();
    await audit(tx, { partnerId: partner!.id, subjectType: 'api_key', subjectId: key!.id, action: 'api_key.created', actor: 'system:bootstrap', after: apiKeyRepresentation(key!) });
    return true;
  });
}

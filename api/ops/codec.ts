// Who may read decrypted Temporal payloads through the codec endpoint (/codec/decode, /codec/encode):
// the codec decrypts every partner's payloads alike, so only the installation's operator may
// call it: an unrevoked admin key of the top-level partner (the one TENURE_BOOTSTRAP_KEY
// created), not scoped to access groups. Managed partners' keys, even admin ones, are refused.
import type { PayloadCodec } from '@temporalio/common';
import { and, eq, isNull } from 'drizzle-orm';
import type { Middleware } from 'koa';
import type { Database } from '../../db/client.js';
import { apiKeys, partners } from '../../db/schema.js';
import { codecEndpoints, type CodecCaller } from '../../platform/codec/codec-server.js';
import { hashSecret } from '../api-key/keys.js';

export interface CodecAccess {
  codec: PayloadCodec;
  /** Origins of the Temporal UI pages allowed to call from a browser. */
  uiOrigins: readonly string[];
  /**
   * `npm start` only: the dev server's UI sends no API key, so a caller on this machine (loopback
   * socket) is trusted when it is the UI or no browser at all. Anyone who can connect to
   * loopback can read the key file under the data directory anyway.
   */
  trustLoopback: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function codecRoutes(db: Database, access: CodecAccess): Middleware {
  return codecEndpoints({
    codec: access.codec,
    uiOrigins: access.uiOrigins,
    authorize: async (header, caller) => (access.trustLoopback && isLocalUi(caller, access.uiOrigins)) || (await isOperatorKey(db, header)),
  });
}

/** A page of another site in the same browser sends its own Origin: only the UI's, or none, is this machine's. */
function isLocalUi(caller: CodecCaller, uiOrigins: readonly string[]): boolean {
  return LOOPBACK.has(caller.remoteAddress ?? '') && (caller.origin === undefined || uiOrigins.includes(caller.origin));
}

async function isOperatorKey(db: Database, header: string | undefined): Promise<boolean> {
  const secret = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!secret) return false;
  const [key] = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .innerJoin(partners, eq(partners.id, apiKeys.partnerId))
    .where(and(eq(apiKeys.secretHash, hashSecret(secret)), isNull(apiKeys.revokedAt), eq(apiKeys.role, 'admin'), isNull(apiKeys.accessGroupIds), isNull(partners.parentId)))
    .limit(1);
  return key !== undefined;
}

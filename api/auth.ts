// Who is calling: the Bearer key resolves to one partner and a role. Everything a
// route reads or writes is filtered by that partner, so other partners' objects
// simply do not exist for the caller (R1: 404, never 403).
import type { Context, Next } from 'koa';
import { hashSecret, type Role } from './api-key/keys.js';
import type { LiveKeys } from './api-key/live-keys.js';
import { forbidden, unauthorized } from './problem.js';

export interface Caller {
  partnerId: string;
  keyId: string;
  role: Role;
  accessGroupIds: string[] | null;
}

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function authenticate(liveKeys: LiveKeys) {
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('authorization');
    const secret = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!secret) throw unauthorized();
    const key = await liveKeys.find(hashSecret(secret));
    if (!key) throw unauthorized();
    ctx.state.caller = { partnerId: key.partnerId, keyId: key.id, role: key.role, accessGroupIds: key.accessGroupIds } satisfies Caller;
    await next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Viewers read, nothing more (R31): every method that can change something is refused here,
 * before any route runs, so a route that forgets its requireRole still cannot be used by a viewer.
 */
export function readOnlyForViewers() {
  return async (ctx: Context, next: Next) => {
    if (!SAFE_METHODS.has(ctx.method)) requireRole(ctx, 'operator');
    await next();
  };
}

export function callerOf(ctx: Context): Caller {
  return ctx.state.caller as Caller;
}

/** Operators change lifecycles; admins also manage keys and settings (R31). */
export function requireRole(ctx: Context, needed: Role): Caller {
  const caller = callerOf(ctx);
  if (rank[caller.role] < rank[needed]) {
    throw forbidden(`This needs the ${needed} role; the key has the ${caller.role} role.`);
  }
  return caller;
}

export function actorOf(caller: Caller): string {
  return `api-key:${caller.keyId}`;
}

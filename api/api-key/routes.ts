// API keys (R31): admins create them (the secret is answered once and stored hashed), list them
// and revoke them. A revoked key is refused on its very next request; a partner always keeps an admin key.
import type Router from '@koa/router';
import { and, asc, count, eq, isNull, ne } from 'drizzle-orm';
import { apiKeys, partners } from '../../db/schema.js';
import type { AppDependencies } from '../app.js';
import { audit } from '../audit/record.js';
import { actorOf, requireRole, type Caller } from '../auth.js';
import { apiKeyRepresentation, issueApiKey } from './keys.js';
import type { LiveKeys } from './live-keys.js';
import { Problem, invalidInput, notFound } from '../problem.js';
import { createApiKey } from '../schemas.js';
import { parseInput } from '../validate.js';
import { checkAccessGroups } from '../access-group/routes.js';
import { documented } from '../openapi/route.js';
import { apiKeyList, apiKeyResponse, apiKeyWithSecret } from './responses.js';

/** A key scoped to access groups can hand out only what it holds, never a wider key (R2). */
function checkWithinCallerScope(caller: Caller, requested: string[] | undefined): void {
  if (!caller.accessGroupIds) return;
  if (!requested) {
    throw invalidInput([{ field: 'accessGroupIds', message: 'is required: this key is scoped to access groups, so the keys it creates must be too' }]);
  }
  const index = requested.findIndex((id) => !caller.accessGroupIds!.includes(id));
  if (index >= 0) throw invalidInput([{ field: `accessGroupIds.${index}`, message: 'is outside the access groups of the key creating it' }]);
}

const lastAdminKey = () =>
  new Problem(409, 'last_admin_key', 'This is the partner\'s last admin key', 'Create another admin key first, then revoke this one.');

export function apiKeyRoutes(router: Router, { db }: AppDependencies, liveKeys: LiveKeys): void {
  const route = documented(router);

  route.post('/api-keys', {
    operationId: 'createApiKey',
    summary: 'Create an API key',
    description:
      'Roles: `admin` (everything), `operator` (lifecycle operations), `viewer` (read only); optionally scoped to access groups. The secret is answered this once and kept only as a hash (R31).',
    tag: 'API keys',
    role: 'admin',
    body: createApiKey,
    responses: { 201: apiKeyWithSecret },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const body = parseInput(createApiKey, ctx.request.body);
    checkWithinCallerScope(caller, body.accessGroupIds);
    await checkAccessGroups(db, caller.partnerId, body.accessGroupIds ?? [], 'accessGroupIds');
    const { row, secret } = await db.transaction((tx) => issueApiKey(tx, { partnerId: caller.partnerId, ...body }, actorOf(caller)));
    ctx.status = 201;
    ctx.body = { ...apiKeyRepresentation(row), secret };
  });

  route.get('/api-keys', {
    operationId: 'listApiKeys',
    summary: "List the partner's API keys, revoked ones included",
    tag: 'API keys',
    role: 'admin',
    responses: { 200: apiKeyList },
  }, async (ctx) => {
    const { partnerId } = requireRole(ctx, 'admin');
    const rows = await db.select().from(apiKeys).where(eq(apiKeys.partnerId, partnerId)).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
    ctx.body = { data: rows.map(apiKeyRepresentation) };
  });

  /** Revoking twice answers the revoked key again; it is not a second change. */
  route.delete('/api-keys/:id', {
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    description: 'The key is refused (401) from its next request on (by another API process of the deployment, within a second). Revoking a revoked key answers it again.',
    tag: 'API keys',
    role: 'admin',
    responses: { 200: apiKeyResponse },
    problems: { 409: "It is the partner's last admin key: create another admin key first" },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const answer = await db.transaction(async (tx) => {
      // Serialises revocations within the partner, so two admins revoking each other cannot both succeed.
      await tx.select({ id: partners.id }).from(partners).where(eq(partners.id, caller.partnerId)).for('update');
      const [key] = await tx.select().from(apiKeys).where(and(eq(apiKeys.id, ctx.params.id!), eq(apiKeys.partnerId, caller.partnerId))).limit(1);
      if (!key) throw notFound('API key');
      if (key.revokedAt) return apiKeyRepresentation(key);
      if (key.role === 'admin') {
        const [others] = await tx
          .select({ admins: count() })
          .from(apiKeys)
          .where(and(eq(apiKeys.partnerId, caller.partnerId), eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt), ne(apiKeys.id, key.id)));
        if (!others?.admins) throw lastAdminKey();
      }
      const [revoked] = await tx.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, key.id)).returning();
      await audit(tx, {
        partnerId: caller.partnerId,
        subjectType: 'api_key',
        subjectId: key.id,
        action: 'api_key.revoked',
        actor: actorOf(caller),
        before: apiKeyRepresentation(key),
        after: apiKeyRepresentation(revoked!),
      });
      return apiKeyRepresentation(revoked!);
    });
    liveKeys.revoked(ctx.params.id!);
    ctx.body = answer;
  });
}

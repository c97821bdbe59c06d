// Access groups: the nodes of a partner's security tree that API keys can be scoped to (R2, R31)
// and that pools move between. Shaping the tree is security administration, hence admin only.
import type Router from '@koa/router';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { accessGroups } from '../../db/schema.js';
import type { AppDependencies } from '../app.js';
import { audit } from '../audit/record.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { fieldNotFound, invalidInput, notFound } from '../problem.js';
import { createAccessGroup } from '../schemas.js';
import { parseInput } from '../validate.js';
import { documented } from '../openapi/route.js';
import { accessGroupList, accessGroupResponse } from './responses.js';

type AccessGroupRow = typeof accessGroups.$inferSelect;

function representation(row: AccessGroupRow) {
  return { id: row.id, name: row.name, parentId: row.parentId, createdAt: row.createdAt.toISOString() };
}

async function accessGroupOf(db: Database, partnerId: string, groupId: string): Promise<AccessGroupRow> {
  const [row] = await db.select().from(accessGroups).where(and(eq(accessGroups.id, groupId), eq(accessGroups.partnerId, partnerId))).limit(1);
  if (!row) throw notFound('Access group');
  return row;
}

/** Every id must be one of the partner's groups; the first that is not is named with its index (`accessGroupIds.2`). */
export async function checkAccessGroups(db: Database, partnerId: string, ids: readonly string[], field: string): Promise<void> {
  if (ids.length === 0) return;
  const found = await db
    .select({ id: accessGroups.id })
    .from(accessGroups)
    .where(and(eq(accessGroups.partnerId, partnerId), inArray(accessGroups.id, [...ids])));
  const known = new Set(found.map((row) => row.id));
  const unknown = ids.findIndex((id) => !known.has(id));
  if (unknown >= 0) throw invalidInput([{ field: `${field}.${unknown}`, message: 'is not an access group of this partner' }]);
}

export function accessGroupRoutes(router: Router, { db }: AppDependencies): void {
  const route = documented(router);

  route.post('/access-groups', {
    operationId: 'createAccessGroup',
    summary: 'Create an access group',
    description: 'A node of the security tree, under `parentId` when given. API keys can be scoped to access groups.',
    tag: 'Access groups',
    role: 'admin',
    body: createAccessGroup,
    responses: { 201: accessGroupResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const body = parseInput(createAccessGroup, ctx.request.body);
    if (body.parentId) {
      await accessGroupOf(db, caller.partnerId, body.parentId).catch(() => {
        throw fieldNotFound('parentId');
      });
    }
    const row = await db.transaction(async (tx) => {
      const [row] = await tx.insert(accessGroups).values({ ...body, partnerId: caller.partnerId }).returning();
      await audit(tx, {
        partnerId: caller.partnerId,
        subjectType: 'access_group',
        subjectId: row!.id,
        action: 'access_group.created',
        actor: actorOf(caller),
        after: representation(row!),
      });
      return row!;
    });
    ctx.status = 201;
    ctx.set('Location', `/v1/access-groups/${row.id}`);
    ctx.body = representation(row);
  });

  route.get('/access-groups', {
    operationId: 'listAccessGroups',
    summary: 'List access groups',
    tag: 'Access groups',
    responses: { 200: accessGroupList },
  }, async (ctx) => {
    const rows = await db.select().from(accessGroups).where(eq(accessGroups.partnerId, callerOf(ctx).partnerId)).orderBy(asc(accessGroups.name), asc(accessGroups.id));
    ctx.body = { data: rows.map(representation) };
  });

  route.get('/access-groups/:id', {
    operationId: 'getAccessGroup',
    summary: 'Read an access group',
    tag: 'Access groups',
    responses: { 200: accessGroupResponse },
  }, async (ctx) => {
    ctx.body = representation(await accessGroupOf(db, callerOf(ctx).partnerId, ctx.params.id!));
  });
}

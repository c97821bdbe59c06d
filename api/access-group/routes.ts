// Access groups: the nodes of a partner's security tree that API keys can be scoped to (R2, R31)
// and that pools move between. A tree within one partner, never a cycle. Shaping the tree is
// security administration, hence admin only; a key scoped to groups works inside its sub-tree.
import type Router from '@koa/router';
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { Database, Transaction } from '../../db/client.js';
import { accessGroups } from '../../db/schema.js';
import type { AppDependencies } from '../app.js';
import { audit } from '../audit/record.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { invalidInput, missingAs, notFound } from '../problem.js';
import { scopeOf, type Scope } from '../scope.js';
import { parseInput } from '../validate.js';
import { documented } from '../openapi/route.js';
import { oneTreeChangeAtATime } from '../tree-changes.js';
import { accessGroupList, accessGroupResponse } from './responses.js';
import { createAccessGroup, updateAccessGroup } from './schemas.js';

type AccessGroupRow = typeof accessGroups.$inferSelect;

function representation(row: AccessGroupRow) {
  return { id: row.id, name: row.name, parentId: row.parentId, defaultForPools: row.defaultForPools, createdAt: row.createdAt.toISOString() };
}

async function accessGroupOf(db: Database | Transaction, scope: Scope, groupId: string): Promise<AccessGroupRow> {
  const [row] = await db.select().from(accessGroups).where(and(eq(accessGroups.id, groupId), scope.accessGroups())).limit(1);
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

/**
 * The parent a group may have: one the key may use, and (for an existing group) neither the
 * group itself nor one below it, so the tree never gets a cycle. A scoped key cannot make a
 * top-level group: it would be outside its own scope.
 */
async function checkParent(db: Database | Transaction, scope: Scope, parentId: string | null, group?: AccessGroupRow): Promise<void> {
  if (parentId === null) {
    if (scope.accessGroupIds) throw invalidInput([{ field: 'parentId', message: "is needed: a key scoped to access groups creates groups inside them (R2)" }]);
    return;
  }
  await accessGroupOf(db, scope, parentId).catch(missingAs('parentId'));
  if (!group) return;
  const below = scopeOf({ partnerId: scope.partnerId, accessGroupIds: [group.id] });
  const [loop] = await db.select({ id: accessGroups.id }).from(accessGroups).where(and(eq(accessGroups.id, parentId), below.groups(accessGroups.id))).limit(1);
  if (loop) throw invalidInput([{ field: 'parentId', message: 'is the group itself or one below it: access groups form a tree' }]);
}

/** One group per partner holds the default pools: choosing one un-chooses the other. */
async function chooseForDefaultPools(tx: Transaction, row: AccessGroupRow): Promise<void> {
  await tx.update(accessGroups).set({ defaultForPools: false }).where(and(eq(accessGroups.partnerId, row.partnerId), ne(accessGroups.id, row.id)));
}

export function accessGroupRoutes(router: Router, { db }: AppDependencies): void {
  const route = documented(router);

  route.post('/access-groups', {
    operationId: 'createAccessGroup',
    summary: 'Create an access group',
    description: 'A node of the security tree, under `parentId` when given. API keys can be scoped to access groups, and see their sub-groups too (R2).',
    tag: 'Access groups',
    role: 'admin',
    body: createAccessGroup,
    responses: { 201: accessGroupResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const scope = scopeOf(caller);
    const body = parseInput(createAccessGroup, ctx.request.body);
    const row = await db.transaction(async (tx) => {
      await oneTreeChangeAtATime(tx, caller.partnerId);
      await checkParent(tx, scope, body.parentId ?? null);
      if (body.defaultForPools) await tx.update(accessGroups).set({ defaultForPools: false }).where(eq(accessGroups.partnerId, caller.partnerId));
      const [row] = await tx.insert(accessGroups).values({ ...body, partnerId: caller.partnerId }).returning();
      await audit(tx, { partnerId: caller.partnerId, subjectType: 'access_group', subjectId: row!.id, action: 'access_group.created', actor: actorOf(caller), after: representation(row!) });
      return row!;
    });
    ctx.status = 201;
    ctx.set('Location', `/v1/access-groups/${row.id}`);
    ctx.body = representation(row);
  });

  route.patch('/access-groups/:id', {
    operationId: 'updateAccessGroup',
    summary: 'Rename, re-parent or choose an access group for default pools',
    description: 'A new `parentId` must not be the group or one below it. Keys scoped to a group follow it where it goes.',
    tag: 'Access groups',
    role: 'admin',
    body: updateAccessGroup,
    responses: { 200: accessGroupResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const scope = scopeOf(caller);
    const found = await accessGroupOf(db, scope, ctx.params.id!);
    const body = parseInput(updateAccessGroup, ctx.request.body);
    // Nothing to change is not an error: the group as it stands.
    if (Object.keys(body).length === 0) {
      ctx.body = representation(found);
      return;
    }
    const row = await db.transaction(async (tx) => {
      await oneTreeChangeAtATime(tx, caller.partnerId);
      const group = await accessGroupOf(tx, scope, found.id);
      if (body.parentId !== undefined) await checkParent(tx, scope, body.parentId, group);
      if (body.defaultForPools) await chooseForDefaultPools(tx, group);
      const [row] = await tx.update(accessGroups).set(body).where(eq(accessGroups.id, group.id)).returning();
      await audit(tx, { partnerId: caller.partnerId, subjectType: 'access_group', subjectId: group.id, action: 'access_group.updated', actor: actorOf(caller), before: representation(group), after: representation(row!) });
      return row!;
    });
    ctx.body = representation(row);
  });

  route.get('/access-groups', {
    operationId: 'listAccessGroups',
    summary: 'List access groups',
    description: 'The groups the key may use: all of the partner\'s, or for a scoped key its groups and their sub-groups.',
    tag: 'Access groups',
    responses: { 200: accessGroupList },
  }, async (ctx) => {
    const rows = await db.select().from(accessGroups).where(scopeOf(callerOf(ctx)).accessGroups()).orderBy(asc(accessGroups.name), asc(accessGroups.id));
    ctx.body = { data: rows.map(representation) };
  });

  route.get('/access-groups/:id', {
    operationId: 'getAccessGroup',
    summary: 'Read an access group',
    tag: 'Access groups',
    responses: { 200: accessGroupResponse },
  }, async (ctx) => {
    ctx.body = representation(await accessGroupOf(db, scopeOf(callerOf(ctx)), ctx.params.id!));
  });
}

// Partners: the caller's own partner, and the managed partners it creates (seed 002: MSP →
// managed MSP). A managed partner is a tenant of its own: its parent lists and reads it, but
// neither sees the other's companies, licenses or keys (R1), and it never learns its parent's id.
import type Router from '@koa/router';
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { partners } from '../../db/schema.js';
import type { AppDependencies } from '../app.js';
import { audit } from '../audit/record.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { issueApiKey } from '../api-key/keys.js';
import { invalidInput, notFound } from '../problem.js';
import { createPartner, updateManagedPartner, updatePartner } from '../schemas.js';
import { parseInput } from '../validate.js';
import { documented } from '../openapi/route.js';
import { partnerList, partnerResponse, partnerWithAdminKey } from './responses.js';

type PartnerRow = typeof partners.$inferSelect;

function representation(row: PartnerRow) {
  return {
    id: row.id,
    name: row.name,
    contactEmail: row.contactEmail,
    timeZone: row.timeZone,
    monthlyProgramme: row.monthlyProgramme,
    createdAt: row.createdAt.toISOString(),
  };
}

async function ownPartner(db: Database, partnerId: string): Promise<PartnerRow> {
  const [row] = await db.select().from(partners).where(eq(partners.id, partnerId)).limit(1);
  if (!row) throw notFound('Partner');
  return row;
}

/** A change to a partner and its `partner.updated` entry, in the log of `auditedFor`, written together (R32). */
async function changePartner(db: Database, partnerId: string, changes: Partial<typeof partners.$inferInsert>, by: { auditedFor: string; actor: string }) {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(partners).where(eq(partners.id, partnerId)).for('update');
    const [after] = await tx.update(partners).set(changes).where(eq(partners.id, partnerId)).returning();
    await audit(tx, {
      partnerId: by.auditedFor,
      subjectType: 'partner',
      subjectId: partnerId,
      action: 'partner.updated',
      actor: by.actor,
      before: representation(before!),
      after: representation(after!),
    });
    return representation(after!);
  });
}

/** R30: the monthly programme is granted; a partner can pass on only what it has. */
function refuseUngrantable(parent: PartnerRow, monthlyProgramme: boolean | undefined): void {
  if (monthlyProgramme && !parent.monthlyProgramme) {
    throw invalidInput([{ field: 'monthlyProgramme', message: 'can be granted only by a partner that is itself in the monthly programme' }]);
  }
}

/** Only the parent of a managed partner may read it; to anyone else it does not exist. */
export async function managedPartnerOf(db: Database, parentId: string, partnerId: string): Promise<PartnerRow> {
  const [row] = await db.select().from(partners).where(and(eq(partners.id, partnerId), eq(partners.parentId, parentId))).limit(1);
  if (!row) throw notFound('Partner');
  return row;
}

export function partnerRoutes(router: Router, { db }: AppDependencies): void {
  const route = documented(router);

  route.get('/partner', {
    operationId: 'getOwnPartner',
    summary: "Read the caller's own partner",
    tag: 'Partners',
    responses: { 200: partnerResponse },
  }, async (ctx) => {
    ctx.body = representation(await ownPartner(db, callerOf(ctx).partnerId));
  });

  route.patch('/partner', {
    operationId: 'updateOwnPartner',
    summary: "Change the caller's own partner",
    description:
      'Name, contact address and time zone, used by notices. The monthly programme (R30) is set here only by a partner at the top of the tree, enrolled with the vendor itself; a managed partner is enrolled by its parent (`PATCH /v1/partners/{id}`).',
    tag: 'Partners',
    role: 'admin',
    body: updatePartner,
    responses: { 200: partnerResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const changes = parseInput(updatePartner, ctx.request.body);
    if (Object.keys(changes).length === 0) {
      ctx.body = representation(await ownPartner(db, caller.partnerId));
      return;
    }
    if (changes.monthlyProgramme !== undefined && (await ownPartner(db, caller.partnerId)).parentId !== null) {
      throw invalidInput([{ field: 'monthlyProgramme', message: 'is granted to a managed partner by its parent partner (R30)' }]);
    }
    ctx.body = await changePartner(db, caller.partnerId, changes, { auditedFor: caller.partnerId, actor: actorOf(caller) });
  });

  /** Answered once with the managed partner's first admin key: the only time its secret is shown. */
  route.post('/partners', {
    operationId: 'createManagedPartner',
    summary: 'Create a managed partner',
    description:
      "A partner of its own under the caller (MSP → managed MSP): the caller lists and reads it, neither sees the other's objects (R1). Answered once with its first admin key.",
    tag: 'Partners',
    role: 'admin',
    body: createPartner,
    responses: { 201: partnerWithAdminKey },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const body = parseInput(createPartner, ctx.request.body);
    refuseUngrantable(await ownPartner(db, caller.partnerId), body.monthlyProgramme);
    const actor = actorOf(caller);
    const { partner, adminKey } = await db.transaction(async (tx) => {
      const [partner] = await tx.insert(partners).values({ ...body, parentId: caller.partnerId }).returning();
      await audit(tx, { partnerId: caller.partnerId, subjectType: 'partner', subjectId: partner!.id, action: 'partner.created', actor, after: representation(partner!) });
      const adminKey = await issueApiKey(tx, { partnerId: partner!.id, name: 'first admin key', role: 'admin' }, actor);
      return { partner: partner!, adminKey };
    });
    ctx.status = 201;
    ctx.set('Location', `/v1/partners/${partner.id}`);
    ctx.body = {
      ...representation(partner),
      adminKey: { id: adminKey.row.id, name: adminKey.row.name, role: adminKey.row.role, secret: adminKey.secret },
    };
  });

  route.get('/partners', {
    operationId: 'listManagedPartners',
    summary: 'List the managed partners the caller created',
    tag: 'Partners',
    responses: { 200: partnerList },
  }, async (ctx) => {
    const rows = await db.select().from(partners).where(eq(partners.parentId, callerOf(ctx).partnerId)).orderBy(asc(partners.name), asc(partners.id));
    ctx.body = { data: rows.map(representation) };
  });

  route.get('/partners/:id', {
    operationId: 'getManagedPartner',
    summary: 'Read a managed partner',
    tag: 'Partners',
    responses: { 200: partnerResponse },
  }, async (ctx) => {
    ctx.body = representation(await managedPartnerOf(db, callerOf(ctx).partnerId, ctx.params.id!));
  });

  route.patch('/partners/:id', {
    operationId: 'updateManagedPartner',
    summary: 'Enrol a managed partner in the monthly programme, or withdraw it',
    description:
      'Only an admin of the parent partner. Enrolled, the managed partner may create monthly (usage-billed) accounts (R30); a parent grants only what it has itself. Existing monthly accounts are not touched by a withdrawal. Audited as `partner.updated` in the parent\'s log (R32).',
    tag: 'Partners',
    role: 'admin',
    body: updateManagedPartner,
    responses: { 200: partnerResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const managed = await managedPartnerOf(db, caller.partnerId, ctx.params.id!);
    const { monthlyProgramme } = parseInput(updateManagedPartner, ctx.request.body);
    refuseUngrantable(await ownPartner(db, caller.partnerId), monthlyProgramme);
    // In the parent's log: the managed partner never learns its parent's keys (R1).
    ctx.body = await changePartner(db, managed.id, { monthlyProgramme }, { auditedFor: caller.partnerId, actor: actorOf(caller) });
  });
}

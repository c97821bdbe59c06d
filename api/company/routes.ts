// Companies: the partner's customers, with the locale and recipients of their notices.
import type Router from '@koa/router';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database, Transaction } from '../../db/client.js';
import { preparedOnce } from '../../db/prepared.js';
import { companies } from '../../db/schema.js';
import type { AppDependencies } from '../app.js';
import { audit } from '../audit/record.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { signalCompanyFacts } from './facts-changed.js';
import { currentPolicy } from '../policy/resolve.js';
import { invalidInput, missingAs, notFound } from '../problem.js';
import { createCompany, updateCompany } from '../schemas.js';
import { parseInput } from '../validate.js';
import { documented } from '../openapi/route.js';
import { oneTreeChangeAtATime } from '../tree-changes.js';
import { companyList, companyResponse } from './responses.js';

/** A company of the partner, by id: every route under /companies/{id} reads it. */
const companyOfPartner = preparedOnce((db: Database) =>
  db
    .select()
    .from(companies)
    .where(and(eq(companies.id, sql.placeholder('companyId')), eq(companies.partnerId, sql.placeholder('partnerId'))))
    .limit(1)
    .prepare('company_of_partner'),
);

export async function companyOf(db: Database, partnerId: string, companyId: string) {
  const [row] = await companyOfPartner(db).execute({ companyId, partnerId });
  if (!row) throw notFound('Company');
  return row;
}

function representation(row: typeof companies.$inferSelect) {
  return {
    id: row.id,
    name: row.name,
    locale: row.locale,
    noticeEmails: row.noticeEmails,
    noticeOptOuts: row.noticeOptOuts,
    parentId: row.parentId,
    policyId: row.policyId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * A company's new parent is neither the company nor one below it: companies form a tree. The walk
 * up from the parent uses UNION, so it ends even on a cycle written before this check existed.
 */
async function checkNotBelow(tx: Transaction, companyId: string, parentId: string): Promise<void> {
  const above = await tx.execute(sql`with recursive up(id, parent_id) as (
      select ${companies.id}, ${companies.parentId} from ${companies} where ${companies.id} = ${parentId}
      union
      select c.id, c.parent_id from ${companies} c join up on c.id = up.parent_id
    ) select 1 from up where id = ${companyId} limit 1`);
  if (above.length > 0) throw invalidInput([{ field: 'parentId', message: 'is the company itself or one below it: companies form a tree' }]);
}

/** A parent or a policy named in a company must be the caller's own; its absence is a field error. */
async function checkReferences(db: Database, partnerId: string, body: { parentId?: string; policyId?: string }) {
  if (body.parentId) await companyOf(db, partnerId, body.parentId).catch(missingAs('parentId'));
  if (body.policyId) await currentPolicy(db, partnerId, body.policyId).catch(missingAs('policyId'));
}

export function companyRoutes(router: Router, { db, temporal }: AppDependencies): void {
  const route = documented(router);

  route.post('/companies', {
    operationId: 'createCompany',
    summary: 'Create a company',
    description: 'A customer of the partner, with the language and recipients of its notices.',
    tag: 'Companies',
    role: 'operator',
    body: createCompany,
    responses: { 201: companyResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const { partnerId } = caller;
    const body = parseInput(createCompany, ctx.request.body);
    await checkReferences(db, partnerId, body);
    // R32: the company and its audit entry are written together.
    const row = await db.transaction(async (tx) => {
      const [row] = await tx.insert(companies).values({ ...body, partnerId }).returning();
      await audit(tx, { partnerId, subjectType: 'company', subjectId: row!.id, action: 'company.created', actor: actorOf(caller), after: representation(row!) });
      return row!;
    });
    ctx.status = 201;
    ctx.set('Location', `/v1/companies/${row.id}`);
    ctx.body = representation(row);
  });

  route.get('/companies', { operationId: 'listCompanies', summary: 'List companies', tag: 'Companies', responses: { 200: companyList } }, async (ctx) => {
    const rows = await db.select().from(companies).where(eq(companies.partnerId, callerOf(ctx).partnerId)).orderBy(asc(companies.name));
    ctx.body = { data: rows.map(representation) };
  });

  route.get('/companies/:id', { operationId: 'getCompany', summary: 'Read a company', tag: 'Companies', responses: { 200: companyResponse } }, async (ctx) => {
    ctx.body = representation(await companyOf(db, callerOf(ctx).partnerId, ctx.params.id!));
  });

  route.patch('/companies/:id', {
    operationId: 'updateCompany',
    summary: 'Change a company',
    description:
      "Only the fields sent change. Renaming a company leaves its licenses' tags as they were (R8), and its running license and account workflows show the new name in the Temporal UI (`CompanyName`). A new `policyId` reaches its running licenses and accounts at their next cycle. A new `parentId` must not be the company or one below it. Audited as `company.updated` (R32).",
    tag: 'Companies',
    role: 'operator',
    body: updateCompany,
    responses: { 200: companyResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const { partnerId } = caller;
    const company = await companyOf(db, partnerId, ctx.params.id!);
    const body = parseInput(updateCompany, ctx.request.body);
    await checkReferences(db, partnerId, body);
    // R8: a license's tag is the company name at issue; renaming the company leaves tags alone.
    const { before, after } = await db.transaction(async (tx) => {
      if (body.parentId) {
        await oneTreeChangeAtATime(tx, partnerId);
        await checkNotBelow(tx, company.id, body.parentId);
      }
      const [before] = await tx.select().from(companies).where(eq(companies.id, company.id)).for('update');
      const [after] = await tx.update(companies).set({ ...body, updatedAt: new Date() }).where(eq(companies.id, company.id)).returning();
      await audit(tx, {
        partnerId,
        subjectType: 'company',
        subjectId: company.id,
        action: 'company.updated',
        actor: actorOf(caller),
        before: representation(before!),
        after: representation(after!),
      });
      return { before: before!, after: after! };
    });
    // After the commit: a workflow told of a name the database does not hold yet would show it too early.
    if (after.name !== before.name) await signalCompanyFacts(db, temporal, after, { companyName: after.name });
    ctx.body = representation(after);
  });
}

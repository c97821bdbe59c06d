// Where a newly issued license lands: the pool the caller names, or its company's default pool,
// made on first use in the group the partner chose for default pools (or a group made for them).
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { preparedOnce } from '../../db/prepared.js';
import { accessGroups, companies, pools } from '../../db/schema.js';
import { fieldNotFound, invalidInput } from '../problem.js';
import type { Scope } from '../scope.js';

export interface Placement {
  poolId: string;
  accessGroupId: string;
}

/** The group holding companies' default pools: the partner's choice, else one named "Default" made now. */
async function groupForDefaultPools(db: Database, partnerId: string): Promise<string> {
  const chosen = () => db.select({ id: accessGroups.id }).from(accessGroups).where(and(eq(accessGroups.partnerId, partnerId), eq(accessGroups.defaultForPools, true)));
  const [existing] = await chosen();
  if (existing) return existing.id;
  // Two first issues at once: the unique index keeps one group, and both read it back.
  await db
    .insert(accessGroups)
    .values({ partnerId, name: 'Default', defaultForPools: true })
    .onConflictDoNothing({ target: accessGroups.partnerId, where: sql`${accessGroups.defaultForPools}` });
  const [made] = await chosen();
  return made!.id;
}

/** Every issue that names no pool reads its company's default pool. */
const defaultPoolOfCompany = preparedOnce((db: Database) =>
  db
    .select({ poolId: pools.id, accessGroupId: pools.accessGroupId })
    .from(pools)
    .where(and(eq(pools.partnerId, sql.placeholder('partnerId')), eq(pools.defaultForCompanyId, sql.placeholder('companyId'))))
    .prepare('default_pool_of_company'),
);

/** Every issue reads its company, and most land in its default pool: both in one round trip. */
const companyWithDefaultPool = preparedOnce((db: Database) =>
  db
    .select({ company: companies, defaultPoolId: pools.id, defaultPoolGroupId: pools.accessGroupId })
    .from(companies)
    .leftJoin(pools, and(eq(pools.partnerId, companies.partnerId), eq(pools.defaultForCompanyId, companies.id)))
    .where(and(eq(companies.id, sql.placeholder('companyId')), eq(companies.partnerId, sql.placeholder('partnerId'))))
    .limit(1)
    .prepare('company_with_default_pool'),
);

export type CompanyToPlaceIn = typeof companies.$inferSelect & { defaultPool: Placement | undefined };

/** The partner's company a license is issued to, with its default pool if it has one yet; undefined if there is no such company. */
export async function companyToPlaceIn(db: Database, partnerId: string, companyId: string): Promise<CompanyToPlaceIn | undefined> {
  const [row] = await companyWithDefaultPool(db).execute({ companyId, partnerId });
  if (!row) return undefined;
  const defaultPool = row.defaultPoolId && row.defaultPoolGroupId ? { poolId: row.defaultPoolId, accessGroupId: row.defaultPoolGroupId } : undefined;
  return { ...row.company, defaultPool };
}

async function defaultPoolOf(db: Database, partnerId: string, company: { id: string; name: string }): Promise<Placement> {
  const find = () => defaultPoolOfCompany(db).execute({ partnerId, companyId: company.id });
  const [existing] = await find();
  if (existing) return existing;
  const accessGroupId = await groupForDefaultPools(db, partnerId);
  await db
    .insert(pools)
    .values({ partnerId, name: company.name, accessGroupId, defaultForCompanyId: company.id })
    .onConflictDoNothing({ target: pools.defaultForCompanyId, where: sql`${pools.defaultForCompanyId} is not null` });
  const [made] = await find();
  return made!;
}

/** The pool named, if the key may use it; else the company's default pool, if the key may use that. */
export async function placeLicense(db: Database, scope: Scope, company: Pick<CompanyToPlaceIn, 'id' | 'name' | 'defaultPool'>, poolId: string | undefined): Promise<Placement> {
  if (poolId) {
    const [named] = await db.select({ poolId: pools.id, accessGroupId: pools.accessGroupId }).from(pools).where(and(eq(pools.id, poolId), scope.pools()));
    if (!named) throw fieldNotFound('poolId');
    return named;
  }
  const placement = company.defaultPool ?? (await defaultPoolOf(db, scope.partnerId, company));
  // A key of the whole partner may use every pool of it: no need to ask.
  if (scope.accessGroupIds === null) return placement;
  const [usable] = await db.select({ id: pools.id }).from(pools).where(and(eq(pools.id, placement.poolId), scope.pools()));
  if (!usable) throw invalidInput([{ field: 'poolId', message: "is needed: the company's default pool is outside this key's access groups (R2)" }]);
  return placement;
}

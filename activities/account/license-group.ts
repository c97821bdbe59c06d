// A license group is one company's licenses and accounts of one product (R9, seed 004).
// These activities keep the group's seat allocation and tell license workflows whom to wake.
import { and, asc, eq, notInArray, or, sql, type Placeholder } from 'drizzle-orm';
import { finalAccountStates } from '../../machines/lifecycle/states.js';
import type { Database, Transaction } from '../../db/client.js';
import { preparedOnce } from '../../db/prepared.js';
import { accounts, licenses } from '../../db/schema.js';
import { allocateSeats, type AccountAllocation, type SeatAllocation } from '../../machines/account/allocation.js';
import type { AccountType } from '../../machines/lifecycle/capabilities.js';

export interface LicenseGroup {
  partnerId: string;
  companyId: string;
  product: string;
}

/** What an account of the group needs to know after a re-allocation. */
export interface LicenseGroupStanding {
  hasEligibleLicense: boolean;
  /** Latest expiry among the eligible licenses: what a "restored" notice promises. */
  coveredUntil: number | null;
}

/** A group's rows, for a known group or for the placeholders of a prepared statement. */
const ofGroup = (table: typeof licenses | typeof accounts, group: Record<keyof LicenseGroup, string | Placeholder>) =>
  and(eq(table.partnerId, group.partnerId), eq(table.companyId, group.companyId), eq(table.product, group.product));

const NO_SEATS: AccountAllocation = { allocations: [], allocated: 0, overage: 0 };

/** Compared field by field: jsonb does not keep the order of an object's keys. */
function sameAllocations(a: readonly SeatAllocation[], b: readonly SeatAllocation[]): boolean {
  return a.length === b.length && a.every((allocation, index) => allocation.licenseId === b[index]!.licenseId && allocation.seats === b[index]!.seats);
}

export function createLicenseGroupActivities(db: Database) {
  return {
    /**
     * Re-allocates the whole group from what the database holds now, and answers whether the
     * group holds an eligible license. Groups are allocated one at a time (an advisory lock),
     * so the last run has read every change committed before it: however many runs overlap,
     * in whatever order, the allocation left behind matches the group's final state.
     */
    async allocateLicenseGroup(group: LicenseGroup): Promise<LicenseGroupStanding> {
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`license-group:${group.companyId}:${group.product}`}, 0))`);
        const groupLicenses = await tx
          .select({
            id: licenses.id,
            state: licenses.state,
            seats: licenses.seats,
            seatsUsed: licenses.seatsUsed,
            expiresAt: licenses.expiresAt,
            // R13: whether the license may lend seats at all depends on the account type it came from.
            accountType: licenses.accountType,
          })
          .from(licenses)
          .where(ofGroup(licenses, group))
          .orderBy(asc(licenses.id));
        const groupAccounts = await tx
          .select({
            id: accounts.id,
            state: accounts.state,
            seatsRequested: accounts.seatsRequested,
            createdAt: accounts.createdAt,
            allocations: accounts.allocations,
            seatsAllocated: accounts.seatsAllocated,
            overage: accounts.overage,
          })
          .from(accounts)
          .where(ofGroup(accounts, group))
          .orderBy(asc(accounts.id));

        // A deleted account holds no seats: deleting it frees them for the others. Only rows whose
        // seats change are written, each table in one statement.
        const allocation = allocateSeats(
          groupAccounts
            .filter((account) => !(finalAccountStates as readonly string[]).includes(account.state))
            .map((account) => ({ id: account.id, seatsRequested: account.seatsRequested, createdAt: account.createdAt.getTime() })),
          groupLicenses.map((license) => ({ ...license, accountType: license.accountType as AccountType | null, expiresAt: license.expiresAt.getTime() })),
        );

        const changedAccounts = groupAccounts.flatMap((account) => {
          const next = allocation.perAccount[account.id] ?? NO_SEATS;
          const unchanged =
            next.allocated === account.seatsAllocated && next.overage === account.overage && sameAllocations(next.allocations, account.allocations);
          return unchanged ? [] : [sql`(${account.id}::uuid, ${JSON.stringify(next.allocations)}::jsonb, ${next.allocated}::int, ${next.overage}::int)`];
        });
        if (changedAccounts.length > 0) {
          await tx.execute(sql`
            update ${accounts} set allocations = seats.allocations, seats_allocated = seats.allocated, overage = seats.overage, updated_at = now()
            from (values ${sql.join(changedAccounts, sql`, `)}) as seats(id, allocations, allocated, overage)
            where ${accounts.id} = seats.id`);
        }
        const changedLicenses = groupLicenses.flatMap((license) => {
          const used = allocation.perLicense[license.id]?.used ?? 0;
          return used === license.seatsUsed ? [] : [sql`(${license.id}::uuid, ${used}::int)`];
        });
        if (changedLicenses.length > 0) {
          await tx.execute(sql`
            update ${licenses} set seats_used = seats.used
            from (values ${sql.join(changedLicenses, sql`, `)}) as seats(id, used)
            where ${licenses.id} = seats.id`);
        }
        const lending = groupLicenses.filter((license) => license.id in allocation.perLicense);
        return {
          hasEligibleLicense: allocation.hasEligibleLicense,
          coveredUntil: lending.length > 0 ? Math.max(...lending.map((license) => license.expiresAt.getTime())) : null,
        };
      });
    },
  };
}

export type LicenseGroupActivities = ReturnType<typeof createLicenseGroupActivities>;

/** The live accounts of several groups at once, in one query: what a sync's batch of changed licenses concerns. */
export async function liveAccountsOfGroups(db: Database, groups: readonly LicenseGroup[]): Promise<string[]> {
  if (groups.length === 0) return [];
  const rows = await db
    .selectDistinct({ id: accounts.id })
    .from(accounts)
    .where(and(or(...groups.map((group) => ofGroup(accounts, group))), notInArray(accounts.state, [...finalAccountStates])))
    .orderBy(asc(accounts.id));
  return rows.map((row) => row.id);
}

/** Read after every license transition. */
const liveAccountsOf = preparedOnce((db: Database | Transaction) =>
  db
    .select({ id: accounts.id })
    .from(accounts)
    .where(
      and(
        ofGroup(accounts, { partnerId: sql.placeholder('partnerId'), companyId: sql.placeholder('companyId'), product: sql.placeholder('product') }),
        notInArray(accounts.state, [...finalAccountStates]),
      ),
    )
    .orderBy(asc(accounts.id))
    .prepare('live_accounts_of_group'),
);

/** The accounts a license change may concern: every account of its group not yet deleted. */
export async function liveAccountsOfGroup(tx: Database | Transaction, group: LicenseGroup): Promise<string[]> {
  const { partnerId, companyId, product } = group;
  const rows = await liveAccountsOf(tx).execute({ partnerId, companyId, product });
  return rows.map((row) => row.id);
}

// The usage report straight from PostgreSQL: licenses and accounts aggregated per
// company and product with GROUP BY, read through a cursor a batch at a time, so a
// partner with 100,000 licenses costs the API one batch of memory, not the whole report.
import { inArray, notInArray, sql, type SQL } from 'drizzle-orm';
import { finalAccountStates, finalLicenseStates, protectingLicenseStates } from '../../machines/lifecycle/states.js';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database } from '../../db/client.js';
import { accounts, companies, licenses } from '../../db/schema.js';
import { scopeOf } from '../scope.js';

/** Rows fetched per round trip: big enough to keep PostgreSQL busy, small enough to stay flat. */
const BATCH_ROWS = 1000;

export interface UsageScope {
  partnerId: string;
  /** A key scoped to access groups sees the lines of their licenses and accounts only (R2). */
  accessGroupIds?: readonly string[] | null;
  companyId?: string;
  product?: string;
}

/** One company and product as PostgreSQL aggregates it; a company with nothing yet has product null. */
export interface UsageRow {
  company_id: string;
  company_name: string;
  product: string | null;
  licenses: number;
  owner_partner: number;
  owner_customer: number;
  term_annual: number;
  term_monthly: number;
  term_trial: number;
  state_trial: number;
  state_active: number;
  state_grace: number;
  state_suspended: number;
  seats_licensed: string;
  seats_used: string;
  unprotected_licenses: number;
  unprotected_seats: string;
  /** RFC 3339 UTC with milliseconds, so deadlines compare as text. */
  license_deadline_at: string | null;
  license_deadline_event: string | null;
  license_deadline_id: string | null;
  accounts: number;
  accounts_grace: number;
  accounts_suspended: number;
  account_deadline_at: string | null;
  account_deadline_event: string | null;
  account_deadline_id: string | null;
}

const dialect = new PgDialect();

/** Batches of usage rows, ordered by company name then product; breaking out of the loop closes the cursor. */
export async function* usageBatches(db: Database, scope: UsageScope): AsyncGenerator<UsageRow[]> {
  const query = dialect.sqlToQuery(usageQuery(scope));
  yield* db.$client.unsafe<UsageRow[]>(query.sql, query.params as never[]).cursor(BATCH_ROWS);
}

const rfc3339 = (timestamp: SQL) => sql`to_char(${timestamp} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

// Deleted licenses and accounts are gone for the customer: they count nowhere. A license
// protects in the states its machine tags protected (R11); one that protects with no seat used is protection
// not installed (R28).
function usageQuery({ partnerId, accessGroupIds = null, companyId, product }: UsageScope): SQL {
  const access = scopeOf({ partnerId, accessGroupIds });
  const protecting = inArray(licenses.state, [...protectingLicenseStates]);
  const unprotected = sql`${protecting} and ${licenses.seatsUsed} = 0`;
  const withDeadline = sql`${licenses.nextDeadlineAt} is not null`;
  const accountWithDeadline = sql`${accounts.nextDeadlineAt} is not null`;
  return sql`
    with license_usage as (
      select ${licenses.companyId} as company_id, ${licenses.product} as product,
        count(*)::int as licenses,
        count(*) filter (where ${licenses.owner} = 'partner')::int as owner_partner,
        count(*) filter (where ${licenses.owner} = 'customer')::int as owner_customer,
        count(*) filter (where ${licenses.term} = 'annual')::int as term_annual,
        count(*) filter (where ${licenses.term} = 'monthly')::int as term_monthly,
        count(*) filter (where ${licenses.term} = 'trial')::int as term_trial,
        count(*) filter (where ${licenses.state} = 'trial')::int as state_trial,
        count(*) filter (where ${licenses.state} = 'active')::int as state_active,
        count(*) filter (where ${licenses.state} = 'grace')::int as state_grace,
        count(*) filter (where ${licenses.state} = 'suspended')::int as state_suspended,
        sum(${licenses.seats}) as seats_licensed,
        sum(${licenses.seatsUsed}) as seats_used,
        count(*) filter (where ${unprotected})::int as unprotected_licenses,
        coalesce(sum(${licenses.seats}) filter (where ${unprotected}), 0) as unprotected_seats,
        min(${licenses.nextDeadlineAt}) as license_deadline_at,
        (array_agg(${licenses.nextDeadlineEvent} order by ${licenses.nextDeadlineAt}) filter (where ${withDeadline}))[1] as license_deadline_event,
        (array_agg(${licenses.id} order by ${licenses.nextDeadlineAt}) filter (where ${withDeadline}))[1] as license_deadline_id
      from ${licenses}
      where ${access.licenses()} and ${notInArray(licenses.state, [...finalLicenseStates])}
      group by ${licenses.companyId}, ${licenses.product}
    ),
    account_usage as (
      select ${accounts.companyId} as company_id, ${accounts.product} as product,
        count(*)::int as accounts,
        count(*) filter (where ${accounts.state} = 'grace')::int as accounts_grace,
        count(*) filter (where ${accounts.state} = 'suspended')::int as accounts_suspended,
        min(${accounts.nextDeadlineAt}) as account_deadline_at,
        (array_agg(${accounts.nextDeadlineEvent} order by ${accounts.nextDeadlineAt}) filter (where ${accountWithDeadline}))[1] as account_deadline_event,
        (array_agg(${accounts.id} order by ${accounts.nextDeadlineAt}) filter (where ${accountWithDeadline}))[1] as account_deadline_id
      from ${accounts}
      where ${access.accounts()} and ${notInArray(accounts.state, [...finalAccountStates])}
      group by ${accounts.companyId}, ${accounts.product}
    ),
    usage as (
      select coalesce(l.company_id, a.company_id) as company_id, coalesce(l.product, a.product) as product,
        l.licenses, l.owner_partner, l.owner_customer, l.term_annual, l.term_monthly, l.term_trial,
        l.state_trial, l.state_active, l.state_grace, l.state_suspended, l.seats_licensed, l.seats_used,
        l.unprotected_licenses, l.unprotected_seats, l.license_deadline_at, l.license_deadline_event, l.license_deadline_id,
        a.accounts, a.accounts_grace, a.accounts_suspended, a.account_deadline_at, a.account_deadline_event, a.account_deadline_id
      from license_usage l full join account_usage a on a.company_id = l.company_id and a.product = l.product
    )
    select ${companies.id} as company_id, ${companies.name} as company_name, usage.product,
      coalesce(usage.licenses, 0) as licenses,
      coalesce(usage.owner_partner, 0) as owner_partner, coalesce(usage.owner_customer, 0) as owner_customer,
      coalesce(usage.term_annual, 0) as term_annual, coalesce(usage.term_monthly, 0) as term_monthly, coalesce(usage.term_trial, 0) as term_trial,
      coalesce(usage.state_trial, 0) as state_trial, coalesce(usage.state_active, 0) as state_active,
      coalesce(usage.state_grace, 0) as state_grace, coalesce(usage.state_suspended, 0) as state_suspended,
      coalesce(usage.seats_licensed, 0)::text as seats_licensed, coalesce(usage.seats_used, 0)::text as seats_used,
      coalesce(usage.unprotected_licenses, 0) as unprotected_licenses, coalesce(usage.unprotected_seats, 0)::text as unprotected_seats,
      ${rfc3339(sql`usage.license_deadline_at`)} as license_deadline_at, usage.license_deadline_event, usage.license_deadline_id,
      coalesce(usage.accounts, 0) as accounts, coalesce(usage.accounts_grace, 0) as accounts_grace,
      coalesce(usage.accounts_suspended, 0) as accounts_suspended,
      ${rfc3339(sql`usage.account_deadline_at`)} as account_deadline_at, usage.account_deadline_event, usage.account_deadline_id
    from ${companies}
    left join usage on usage.company_id = ${companies.id}
    where ${companies.partnerId} = ${partnerId}
      ${accessGroupIds ? sql`and usage.company_id is not null` : sql``}
      ${companyId ? sql`and ${companies.id} = ${companyId}` : sql``}
      ${product ? sql`and usage.product = ${product}` : sql``}
    order by ${companies.name}, ${companies.id}, usage.product nulls first`;
}

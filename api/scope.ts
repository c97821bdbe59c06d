// R2 as one helper: what a key may see, as SQL conditions every query uses. A key of the whole
// partner sees all of its objects (R1); a key scoped to access groups sees the licenses of
// those groups and their sub-groups, the accounts drawing on them, and the audit entries,
// notices and webhook deliveries about them. Everything else is filtered out of every read,
// so it answers 404 exactly as another partner's object does.
import { and, eq, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { accessGroups, accounts, licenses, pools } from '../db/schema.js';
import type { Caller } from './auth.js';

export interface Scope {
  partnerId: string;
  /** Null for a key of the whole partner. */
  accessGroupIds: readonly string[] | null;
  /** The key's groups and every group below them. */
  groups(column: SQLWrapper): SQL;
  licenses(): SQL;
  accounts(): SQL;
  pools(): SQL;
  accessGroups(): SQL;
  /** For rows about a subject (audit entries, notices, webhook deliveries): whether that subject is in scope. */
  subjects(subjectType: SQLWrapper, subjectId: SQLWrapper): SQL;
}

export function scopeOf(caller: { partnerId: string; accessGroupIds: Caller['accessGroupIds'] | readonly string[] }): Scope {
  const { partnerId } = caller;
  const granted = caller.accessGroupIds;
  const everything = sql`true`;
  // Groups form a tree without cycles; UNION still guarantees the walk ends.
  const groups = (column: SQLWrapper) =>
    granted === null
      ? everything
      : sql`${column} in (with recursive granted(id) as (
          select id from ${accessGroups} where ${accessGroups.partnerId} = ${partnerId}
            and ${accessGroups.id} in (${sql.join(granted.map((id) => sql`${id}::uuid`), sql`, `)})
          union
          select child.id from ${accessGroups} child join granted on child.parent_id = granted.id
        ) select id from granted)`;
  const licensesInScope = () => and(eq(licenses.partnerId, partnerId), groups(licenses.accessGroupId))!;
  // An account draws on its license group: its company's licenses of its product (R9).
  const accountsInScope = () =>
    and(
      eq(accounts.partnerId, partnerId),
      granted === null
        ? everything
        : sql`exists (select 1 from ${licenses} drawn where drawn.partner_id = ${accounts.partnerId} and drawn.company_id = ${accounts.companyId}
            and drawn.product = ${accounts.product} and ${groups(sql`drawn.access_group_id`)})`,
    )!;
  return {
    partnerId,
    accessGroupIds: granted,
    groups,
    licenses: licensesInScope,
    accounts: accountsInScope,
    pools: () => and(eq(pools.partnerId, partnerId), groups(pools.accessGroupId))!,
    accessGroups: () => and(eq(accessGroups.partnerId, partnerId), groups(accessGroups.id))!,
    subjects: (subjectType, subjectId) =>
      granted === null
        ? everything
        : sql`case ${subjectType}
            when 'license' then ${subjectId}::text in (select ${licenses.id}::text from ${licenses} where ${licensesInScope()})
            when 'account' then ${subjectId}::text in (select ${accounts.id}::text from ${accounts} where ${accountsInScope()})
            when 'pool' then ${subjectId}::text in (select ${pools.id}::text from ${pools} where ${groups(pools.accessGroupId)})
            when 'access_group' then ${subjectId}::text in (select ${accessGroups.id}::text from ${accessGroups} where ${groups(accessGroups.id)})
            else false end`,
  };
}

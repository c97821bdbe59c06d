// License pools: every license belongs to one pool, and a pool to one access group. A license
// never leaves its pool; only a whole pool moves to another group (R5).
import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { accessGroups, companies, partners } from '../schema.js';

export const pools = pgTable(
  'pools',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    name: text('name').notNull(),
    accessGroupId: uuid('access_group_id').notNull().references(() => accessGroups.id),
    /** Set on a company's default pool: where its licenses issued without `poolId` land (one per company). */
    defaultForCompanyId: uuid('default_for_company_id').references(() => companies.id),
    /** The source a synced pool came from (R6, R14); null for pools made through the API. */
    sourceId: uuid('source_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('pools_partner_group').on(table.partnerId, table.accessGroupId),
    uniqueIndex('pools_company_default').on(table.defaultForCompanyId).where(sql`${table.defaultForCompanyId} is not null`),
    index('pools_source').on(table.sourceId),
  ],
);

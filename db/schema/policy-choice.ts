// A partner's choice of policy for one product, overriding its default policy (DESIGN §3:
// "per partner, overridable per product"). A company's policy and a policy named at issue
// still come first: see db/policies.ts.
import { index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { partners } from '../schema.js';

export const productPolicies = pgTable(
  'product_policies',
  {
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    product: text('product').notNull(),
    /** A policy id; the subject lives by its current version. */
    policyId: uuid('policy_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.partnerId, table.product] }), index('product_policies_policy').on(table.policyId)],
);

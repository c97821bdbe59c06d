// License sources (DESIGN §5): upstream vendor accounts, what each last read of its upstream
// (companies, pools, licenses, subscriptions, keyed by the vendor's ids), and the scratch rows
// a running sync stages before it reconciles them in one transaction (R23).
import { boolean, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { UpstreamLicense, UpstreamSubscription } from '../../machines/source/upstream.js';
import { companies, partners } from '../schema.js';
import { pools } from './pool.js';

export const sources = pgTable(
  'sources',
  {
    id: uuid('id').primaryKey(),
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    name: text('name').notNull(),
    vendor: text('vendor').notNull(),
    accountType: text('account_type').notNull(),
    /** R24: the same credentials also hold a business account; its licenses keep their upstream pools. */
    hybrid: boolean('hybrid').notNull().default(false),
    baseUrl: text('base_url').notNull(),
    /** Encrypted at rest (platform/source/credentials.ts); never returned, never logged. */
    credentials: text('credentials').notNull(),
    status: text('status').notNull().default('never_synced'),
    statusReason: text('status_reason'),
    statusDetail: text('status_detail'),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true }),
    lastSyncOperationId: uuid('last_sync_operation_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('sources_partner').on(table.partnerId)],
);

/** An upstream company and the Tenure company it joined the tree as (R22), with its console link (M26). */
export const sourceCompanies = pgTable(
  'source_companies',
  {
    sourceId: uuid('source_id').notNull().references(() => sources.id),
    upstreamId: text('upstream_id').notNull(),
    partnerId: uuid('partner_id').notNull(),
    companyId: uuid('company_id').notNull().references(() => companies.id),
    parentUpstreamId: text('parent_upstream_id'),
    name: text('name').notNull(),
    consoleUrl: text('console_url'),
    contactEmail: text('contact_email'),
  },
  (table) => [primaryKey({ columns: [table.sourceId, table.upstreamId] }), index('source_companies_company').on(table.companyId)],
);

/** The pool each upstream key lands in (R6): `company:<id>` for msp* licenses, `pool:<id>` for business ones. */
export const sourcePools = pgTable(
  'source_pools',
  {
    sourceId: uuid('source_id').notNull().references(() => sources.id),
    key: text('key').notNull(),
    poolId: uuid('pool_id').notNull().references(() => pools.id),
  },
  (table) => [primaryKey({ columns: [table.sourceId, table.key] })],
);

/**
 * An upstream license and the Tenure license it is. `facts` are the upstream facts last read;
 * `pending` says what its workflow has still to hear of them (`start`; `update`: renewed or re-sized), so a sync
 * killed after it reconciled finishes telling them at its next run (R23).
 */
export const sourceLicenses = pgTable(
  'source_licenses',
  {
    sourceId: uuid('source_id').notNull().references(() => sources.id),
    upstreamId: text('upstream_id').notNull(),
    partnerId: uuid('partner_id').notNull(),
    licenseId: uuid('license_id').notNull(),
    companyId: uuid('company_id').notNull(),
    poolId: uuid('pool_id').notNull(),
    /** R8: the company's name when the license was first imported; never renamed with the company. */
    tag: text('tag').notNull(),
    accountType: text('account_type').notNull(),
    facts: jsonb('facts').$type<UpstreamLicense>().notNull(),
    /** False once the license is gone upstream; it then follows its lifecycle. */
    present: boolean('present').notNull().default(true),
    pending: text('pending'),
  },
  (table) => [
    primaryKey({ columns: [table.sourceId, table.upstreamId] }),
    uniqueIndex('source_licenses_license').on(table.licenseId),
    index('source_licenses_pending').on(table.sourceId, table.pending),
  ],
);

/** A customer's orders as the source shows them (M27: `GET /v1/companies/:id/subscriptions`). */
export const sourceSubscriptions = pgTable(
  'source_subscriptions',
  {
    sourceId: uuid('source_id').notNull().references(() => sources.id),
    upstreamId: text('upstream_id').notNull(),
    partnerId: uuid('partner_id').notNull(),
    companyId: uuid('company_id').notNull(),
    facts: jsonb('facts').$type<UpstreamSubscription>().notNull(),
  },
  (table) => [primaryKey({ columns: [table.sourceId, table.upstreamId] }), index('source_subscriptions_company').on(table.companyId)],
);

/** What a running sync has read so far; dropped once reconciled, or when the sync fails. Never read by the API. */
export const syncStaging = pgTable(
  'sync_staging',
  {
    operationId: uuid('operation_id').notNull(),
    kind: text('kind').notNull(),
    upstreamId: text('upstream_id').notNull(),
    payload: jsonb('payload').notNull(),
  },
  (table) => [primaryKey({ columns: [table.operationId, table.kind, table.upstreamId] })],
);

// The read model and the record: partners and their keys, policies, companies,
// licenses and accounts (projections written by their workflows), the audit log,
// the notice outbox, idempotency keys and webhooks with their deliveries. Every row
// belongs to one partner (R1).
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const role = pgEnum('role', ['admin', 'operator', 'viewer']);
export const term = pgEnum('term', ['annual', 'monthly', 'trial']);
export const owner = pgEnum('owner', ['partner', 'customer']);
/** skipped: the company opted out of the kind and the partner has no contact to copy (a deletion warning is never skipped). */
export const noticeStatus = pgEnum('notice_status', ['pending', 'sent', 'failed', 'skipped']);

export const partners = pgTable('partners', {
  id: uuid('id').primaryKey().defaultRandom(),
  parentId: uuid('parent_id'),
  name: text('name').notNull(),
  contactEmail: text('contact_email'),
  timeZone: text('time_zone').notNull().default('UTC'),
  monthlyProgramme: boolean('monthly_programme').notNull().default(false),
  createdAt: createdAt(),
}, (table) => [index('partners_parent').on(table.parentId)]);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    name: text('name').notNull(),
    role: role('role').notNull(),
    accessGroupIds: jsonb('access_group_ids').$type<string[]>(),
    secretHash: text('secret_hash').notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [uniqueIndex('api_keys_secret_hash').on(table.secretHash)],
);

/** A node of the partner's security tree; an API key may be scoped to some of them (R2, R31). */
export const accessGroups = pgTable(
  'access_groups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    /** A tree within one partner, without cycles (R2: a key scoped to a group sees its sub-groups too). */
    parentId: uuid('parent_id'),
    name: text('name').notNull(),
    /** The partner's choice of where companies' default pools are created (at most one group per partner). */
    defaultForPools: boolean('default_for_pools').notNull().default(false),
    createdAt: createdAt(),
  },
  (table) => [
    index('access_groups_partner').on(table.partnerId),
    index('access_groups_parent').on(table.parentId),
    uniqueIndex('access_groups_default_for_pools').on(table.partnerId).where(sql`${table.defaultForPools}`),
  ],
);

/** A policy is versioned: a change is a new version, and a running license keeps its version until its next cycle. */
export const policies = pgTable(
  'policies',
  {
    id: uuid('id').notNull(),
    version: integer('version').notNull(),
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    name: text('name').notNull(),
    trial: text('trial').notNull(),
    grace: text('grace').notNull(),
    suspension: text('suspension').notNull(),
    expiryNotices: jsonb('expiry_notices').$type<string[]>().notNull(),
    deletionNotice: text('deletion_notice').notNull(),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.id, table.version] }), index('policies_partner').on(table.partnerId)],
);

export const companies = pgTable(
  'companies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    parentId: uuid('parent_id'),
    name: text('name').notNull(),
    locale: text('locale').notNull().default('en'),
    noticeEmails: jsonb('notice_emails').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    noticeOptOuts: jsonb('notice_opt_outs').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    policyId: uuid('policy_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index('companies_partner').on(table.partnerId)],
);

/** What every entity workflow projects of its lifecycle; the workflow is the only writer of these columns. */
const lifecycleProjection = () => ({
  policyId: uuid('policy_id').notNull(),
  policyVersion: integer('policy_version').notNull(),
  state: text('state').notNull(),
  cycle: integer('cycle').notNull().default(1),
  nextDeadlineEvent: text('next_deadline_event'),
  nextDeadlineAt: timestamp('next_deadline_at', { withTimezone: true }),
  /** The machine's context, so the API can ask the machine what is legal without calling Temporal. */
  lifecycle: jsonb('lifecycle').notNull(),
  /** Sequence of the last transition written, so a retried write is a no-op. */
  revision: integer('revision').notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Projection of each license workflow. */
export const licenses = pgTable(
  'licenses',
  {
    id: uuid('id').primaryKey(),
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    companyId: uuid('company_id').notNull().references(() => companies.id),
    /** The license's pool, which it never leaves (R5). */
    poolId: uuid('pool_id'),
    /** Its pool's access group, changed with the pool's in one transaction when the pool moves (R2, R25). */
    accessGroupId: uuid('access_group_id'),
    sourceId: uuid('source_id'),
    accountType: text('account_type'),
    product: text('product').notNull(),
    seats: integer('seats').notNull(),
    seatsUsed: integer('seats_used').notNull().default(0),
    term: term('term').notNull(),
    owner: owner('owner').notNull(),
    tag: text('tag').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    ...lifecycleProjection(),
  },
  (table) => [
    index('licenses_partner_state').on(table.partnerId, table.state),
    index('licenses_company_product').on(table.companyId, table.product),
    index('licenses_partner_expires').on(table.partnerId, table.expiresAt),
    index('licenses_pool').on(table.poolId),
    index('licenses_partner_group').on(table.partnerId, table.accessGroupId),
  ],
);

/** Projection of each account workflow (a product instance of a company, R9). */
export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey(),
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    companyId: uuid('company_id').notNull().references(() => companies.id),
    product: text('product').notNull(),
    name: text('name').notNull(),
    term: term('term').notNull().default('annual'),
    seatsRequested: integer('seats_requested').notNull(),
    allocations: jsonb('allocations').$type<{ licenseId: string; seats: number }[]>().notNull().default(sql`'[]'::jsonb`),
    seatsAllocated: integer('seats_allocated').notNull().default(0),
    overage: integer('overage').notNull().default(0),
    ...lifecycleProjection(),
  },
  (table) => [index('accounts_company_product').on(table.companyId, table.product), index('accounts_partner_state').on(table.partnerId, table.state)],
);

/** Append-only: every transition, operation, notice and key change (R32). */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    partnerId: uuid('partner_id').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    action: text('action').notNull(),
    actor: text('actor').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** Makes a retried activity's write a no-op. */
    dedupeKey: text('dedupe_key').notNull(),
  },
  (table) => [
    uniqueIndex('audit_log_dedupe').on(table.dedupeKey),
    index('audit_log_subject').on(table.partnerId, table.subjectId, table.at),
    index('audit_log_partner_id').on(table.partnerId, table.id),
  ],
);

/** One row per notice due, keyed (subject, kind, cycle) so it is sent once (R19). */
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    partnerId: uuid('partner_id').notNull(),
    key: text('key').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    companyId: uuid('company_id').notNull(),
    kind: text('kind').notNull(),
    cycle: integer('cycle').notNull(),
    offset: text('offset'),
    /** What the notice tells: the dates and durations it names, fixed when it fell due. */
    facts: jsonb('facts').$type<Record<string, string>>().notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    status: noticeStatus('status').notNull().default('pending'),
    messageId: text('message_id'),
    recipients: jsonb('recipients').$type<string[]>(),
    locale: text('locale'),
    error: text('error'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('outbox_key').on(table.key),
    index('outbox_partner_created').on(table.partnerId, table.createdAt),
    // Reading a license or account shows its current cycle's notices: without it, every read scanned the outbox.
    index('outbox_subject_cycle').on(table.subjectId, table.cycle),
  ],
);

/** First answers to POSTs with an Idempotency-Key, kept 24 h; a row not yet completed is a request still running. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    partnerId: uuid('partner_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    status: integer('status'),
    headers: jsonb('headers').$type<Record<string, string>>(),
    body: jsonb('body'),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (table) => [primaryKey({ columns: [table.partnerId, table.key] })],
);

export const webhookStatus = pgEnum('webhook_status', ['active', 'disabled']);
export const webhookDeliveryStatus = pgEnum('webhook_delivery_status', ['pending', 'delivered', 'failed', 'skipped']);

/** Subscriptions to lifecycle events. The secret stays readable: every delivery is signed with it. */
export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types and wildcards (`license.renewed`, `account.*`, `*`). */
    events: jsonb('events').$type<string[]>().notNull(),
    secret: text('secret').notNull(),
    status: webhookStatus('status').notNull().default('active'),
    disabledReason: text('disabled_reason'),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [index('webhooks_partner').on(table.partnerId)],
);

/** One event for one subscription, written with the transition that caused it; every attempt sends the same body. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    partnerId: uuid('partner_id').notNull(),
    webhookId: uuid('webhook_id').notNull().references(() => webhooks.id, { onDelete: 'cascade' }),
    /** Stable across retries of the write that recorded the event: receivers deduplicate on it. */
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    status: webhookDeliveryStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    /** Milliseconds, like the page cursors of the delivery log that are built from it. */
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('webhook_deliveries_event').on(table.eventId, table.webhookId),
    index('webhook_deliveries_webhook_created').on(table.webhookId, table.createdAt),
  ],
);

/** Every HTTP attempt of a delivery: the log a subscriber reads to debug its endpoint. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    deliveryId: uuid('delivery_id').notNull().references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    statusCode: integer('status_code'),
    durationMs: integer('duration_ms').notNull(),
    error: text('error'),
  },
  (table) => [primaryKey({ columns: [table.deliveryId, table.attempt] })],
);

export * from './schema/pool.js';
export * from './schema/operation.js';
export * from './schema/policy-choice.js';
export * from './schema/billing.js';
export * from './schema/source.js';

// PSA billing (DESIGN §6): a partner's ConnectWise connection, each company's billing
// settings, every push with what it sent, and the periodic summaries sent. Keys are stored
// sealed, never in clear.
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { AdditionMapping, QuantityBasis, SettingsMode } from '../../machines/billing/settings.js';
import type { BillingLine } from '../../machines/billing/quantities.js';
import type { PushStatus, PushTrigger } from '../../machines/billing/contract.js';
import type { SummaryFrequency } from '../../machines/billing/summary-dates.js';
import { companies, partners } from '../schema.js';

const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** The partner-wide ("general") settings: the ConnectWise site and keys, and the default billing day and hour. */
export const connectWisePartnerSettings = pgTable('connectwise_partner_settings', {
  partnerId: uuid('partner_id').primaryKey().references(() => partners.id),
  baseUrl: text('base_url').notNull(),
  company: text('company').notNull(),
  /** `{publicKey, privateKey}` sealed by the credential cipher (platform/source/credentials.ts). */
  keysSealed: text('keys_sealed').notNull(),
  clientId: text('client_id').notNull(),
  billingDay: integer('billing_day').notNull(),
  billingHour: integer('billing_hour').notNull(),
  timeZone: text('time_zone').notNull(),
  updatedAt: updatedAt(),
});

/** One company's billing settings; saving them reschedules its `billing:<companyId>` workflow. */
export const connectWiseCompanySettings = pgTable(
  'connectwise_company_settings',
  {
    companyId: uuid('company_id').primaryKey().references(() => companies.id),
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    enabled: boolean('enabled').notNull(),
    identifier: text('identifier').notNull(),
    connectWiseCompanyId: integer('connectwise_company_id').notNull(),
    settings: text('settings').$type<SettingsMode>().notNull(),
    billingDay: integer('billing_day'),
    billingHour: integer('billing_hour'),
    quantityBasis: text('quantity_basis').$type<QuantityBasis>().notNull(),
    mappings: jsonb('mappings').$type<AdditionMapping[]>().notNull(),
    productsIncluded: jsonb('products_included').$type<string[]>().notNull(),
    allowZeroQuantity: boolean('allow_zero_quantity').notNull().default(false),
    /** The service ticket periodic summaries are added to as notes; opened by the first summary. */
    summaryTicketId: integer('summary_ticket_id'),
    updatedAt: updatedAt(),
  },
  (table) => [index('connectwise_company_settings_partner').on(table.partnerId)],
);

/**
 * Every push: what it sent line by line and how it ended. A scheduled push is unique per
 * (company, period), so a retried or replayed push, or a billing day changed mid-month,
 * never pushes a period twice.
 */
export const billingPushes = pgTable(
  'billing_pushes',
  {
    id: uuid('id').primaryKey(),
    partnerId: uuid('partner_id').notNull(),
    companyId: uuid('company_id').notNull(),
    trigger: text('trigger').$type<PushTrigger>().notNull(),
    period: text('period').notNull(),
    status: text('status').$type<PushStatus | 'pending'>().notNull().default('pending'),
    lines: jsonb('lines').$type<BillingLine[]>().notNull(),
    /** Additions whose quantity ConnectWise confirmed, so a retry after a crash skips them. */
    additionsDone: jsonb('additions_done').$type<number[]>().notNull().default(sql`'[]'::jsonb`),
    error: text('error'),
    errorType: text('error_type'),
    actor: text('actor').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('billing_pushes_scheduled_period').on(table.companyId, table.period).where(sql`${table.trigger} = 'scheduled'`),
    index('billing_pushes_company_created').on(table.companyId, table.createdAt),
  ],
);

/** How often a company receives its summary; no row: none. */
export const summarySettings = pgTable('summary_settings', {
  companyId: uuid('company_id').primaryKey().references(() => companies.id),
  partnerId: uuid('partner_id').notNull().references(() => partners.id),
  frequency: text('frequency').$type<SummaryFrequency>(),
  hour: integer('hour').notNull(),
  updatedAt: updatedAt(),
});

/** One row per summary sent, keyed by company and period so a retry neither mails nor notes it twice. */
export const summariesSent = pgTable(
  'summaries_sent',
  {
    key: text('key').primaryKey(),
    partnerId: uuid('partner_id').notNull(),
    companyId: uuid('company_id').notNull(),
    periodFrom: timestamp('period_from', { withTimezone: true }).notNull(),
    periodTo: timestamp('period_to', { withTimezone: true }).notNull(),
    mailedAt: timestamp('mailed_at', { withTimezone: true }),
    ticketNoteId: integer('ticket_note_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('summaries_sent_company').on(table.companyId, table.periodTo)],
);

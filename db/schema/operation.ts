// Long operations a caller follows at GET /v1/operations/:id: a pool move now, a sync later.
// The workflow that runs an operation is the only writer of its row.
import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { partners } from '../schema.js';

export const operationKind = pgEnum('operation_kind', ['pool_move', 'sync']);
export const operationStatus = pgEnum('operation_status', ['running', 'succeeded', 'failed']);

export const operations = pgTable(
  'operations',
  {
    id: uuid('id').primaryKey(),
    partnerId: uuid('partner_id').notNull().references(() => partners.id),
    kind: operationKind('kind').notNull(),
    /** What the operation is about: the pool moved, the source synced. */
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    /** The Temporal workflow that runs it, for ops who look it up in the UI. */
    workflowId: text('workflow_id').notNull(),
    status: operationStatus('status').notNull().default('running'),
    /** Done and total, in the operation's own unit (licenses for a move). */
    progressDone: integer('progress_done').notNull().default(0),
    progressTotal: integer('progress_total'),
    request: jsonb('request').$type<Record<string, unknown>>().notNull(),
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: text('error'),
    actor: text('actor').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (table) => [index('operations_partner_subject').on(table.partnerId, table.subjectId, table.createdAt)],
);

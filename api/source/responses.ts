// What the source routes answer. Never credentials.
import { z } from 'zod';
import { UNREAD_COMPANIES_SHOWN } from '../../machines/source/sync.js';
import { count, id, listOf, timestamp } from '../common-responses.js';

export const syncCounts = {
  companiesCreated: count,
  licensesCreated: count,
  licensesUpdated: count,
  licensesRemoved: count,
  licensesUnchanged: count,
  rowsWritten: count.describe('Rows of the record this sync wrote; 0 when nothing changed upstream'),
  companiesUnread: count.describe('Companies whose licenses the upstream would not give this time (Sophos partner assistance off, ESET NoAccess); their licenses stand as read before (R23)'),
};

const unreadCompany = z.object({
  upstreamId: z.string(),
  companyId: id.nullable(),
  name: z.string().nullable(),
  reason: z.enum(['access_denied', 'company_gone']).describe('access_denied: the upstream refuses to read its licenses; company_gone: removed upstream during the sync'),
  detail: z.string(),
});

export const syncResponse = z
  .object({
    operationId: id,
    status: z.enum(['running', 'succeeded', 'failed']),
    trigger: z.enum(['schedule', 'manual']),
    startedAt: timestamp,
    completedAt: timestamp.nullable(),
    durationMs: count.nullable(),
    counts: z.object(syncCounts).nullable().describe('Once succeeded'),
    unreadCompanies: z.array(unreadCompany).describe(`Once succeeded: which companies \`companiesUnread\` counts, and why (the first ${UNREAD_COMPANIES_SHOWN})`),
    error: z.string().nullable(),
  })
  .meta({ id: 'Sync' });

export const sourceResponse = z
  .object({
    id,
    name: z.string(),
    vendor: z.enum(['eset_ema2', 'sophos_partner', 'json_feed']),
    accountType: z.string(),
    hybrid: z.boolean(),
    baseUrl: z.string(),
    status: z.enum(['never_synced', 'ok', 'upstream_unavailable']),
    statusReason: z.string().nullable().describe('Why the upstream is unavailable: maintenance, server_error, rate_limited, unreachable, invalid_response, auth_failed, no_companies'),
    statusDetail: z.string().nullable(),
    lastSync: syncResponse.nullable(),
    nextSyncAt: timestamp.nullable().describe("The daily schedule's next run (R21)"),
    scheduleId: z.string().describe('The Temporal Schedule that runs the daily sync'),
    createdAt: timestamp,
  })
  .meta({ id: 'Source' });

export const sourceList = listOf(sourceResponse, 'SourceList');
export const syncList = listOf(syncResponse, 'SyncList');

export const subscriptionList = listOf(
  z.object({
    id: z.string().describe("The vendor's id of the order"),
    sourceId: id,
    product: z.string(),
    productName: z.string(),
    quantity: count,
    term: z.enum(['annual', 'monthly', 'trial']),
    startsAt: timestamp,
    endsAt: timestamp.nullable(),
    status: z.string(),
  }),
  'SubscriptionList',
);

export const companyUpstreamList = listOf(
  z.object({
    sourceId: id,
    sourceName: z.string(),
    vendor: z.string(),
    upstreamId: z.string(),
    upstreamName: z.string(),
    consoleUrl: z.string().nullable().describe('Where an admin opens this company in the vendor console (seed 000, seed 003)'),
  }),
  'CompanyUpstreamList',
);

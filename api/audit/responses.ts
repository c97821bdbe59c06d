// What the audit log route answers.
import { z } from 'zod';
import { pageOf, timestamp } from '../common-responses.js';

export const auditEntry = z
  .object({
    id: z.string().describe('Increasing; pass the last one as `after` to read on'),
    subjectType: z.string().describe('license, account, api_key, partner …'),
    subjectId: z.string(),
    action: z.string().describe('The event, named as in webhooks and notices: license.renewed, api_key.revoked …'),
    actor: z.string().describe('`api-key:<id>` for a caller, `system:<part>` for the engine'),
    before: z.unknown().describe('The subject before, when it changed'),
    after: z.unknown().describe('The subject after'),
    at: timestamp,
  })
  .meta({ id: 'AuditEntry' });

export const auditPage = pageOf(auditEntry, 'AuditPage');

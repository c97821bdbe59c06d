// What the outbox routes answer.
import { z } from 'zod';
import { id, pageOf, timestamp } from '../common-responses.js';

export const noticeResponse = z
  .object({
    id,
    key: z.string().describe('Unique per subject, cycle and kind: why a notice is never sent twice (R19)'),
    subjectType: z.string().describe('license or account'),
    subjectId: id,
    companyId: id,
    kind: z.string().describe('expiring, grace_started, grace_halfway, suspended, deletion_warning, deleted, restored'),
    offset: z.string().optional().describe('For an expiring notice: how long before expiry it goes out'),
    cycle: z.number().int().min(1),
    facts: z.record(z.string(), z.string()).describe('The dates and durations the notice names'),
    status: z.enum(['pending', 'sent', 'failed', 'skipped']),
    dueAt: timestamp,
    sentAt: timestamp.nullable(),
    messageId: z.string().nullable().describe('The SMTP Message-ID once sent'),
    recipients: z.array(z.string()).nullable(),
    locale: z.string().nullable(),
    error: z.string().nullable().describe('Why the last attempt failed'),
    createdAt: timestamp,
  })
  .meta({ id: 'Notice', description: 'One e-mail notice the lifecycles made due' });

export const noticePage = pageOf(noticeResponse, 'NoticePage');

export const noticeWithMail = noticeResponse
  .extend({
    recipients: z.array(z.string()).describe('Who it went to once settled; before, who it would go to now'),
    mail: z
      .object({ subject: z.string(), text: z.string(), html: z.string() })
      .nullable()
      .describe('The mail as rendered: what was sent, or what would be; null when it cannot be rendered'),
  })
  .meta({ id: 'NoticeWithMail' });

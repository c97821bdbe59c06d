// Pieces shared by the answers of several resources.
import { z } from 'zod';

export const id = z.uuid();
export const timestamp = z.iso.datetime({ offset: true });
export const count = z.number().int().min(0);

export const lifecycleState = z
  .enum(['trial', 'active', 'grace', 'suspended', 'deleted'])
  .meta({ id: 'LifecycleState', description: 'Where a license or account is in its lifecycle' });

export const term = z.enum(['annual', 'monthly', 'trial']);

export const policyVersionRef = z.object({ id, version: z.number().int().min(1) }).describe('The policy and the version of it this runs on');

export const nextDeadline = z
  .object({ event: z.string().describe('What happens then, as the audit log and webhooks name it: license.expiring, license.grace_started, account.suspended …'), at: timestamp })
  .nullable()
  .describe('The next thing that happens by itself; null when nothing will');

export const noticeRecord = z
  .object({
    kind: z.string().describe('expiring, grace_started, grace_halfway, suspended, deletion_warning, deleted, restored'),
    offset: z.string().optional().describe('For an expiring notice: how long before expiry it goes out'),
    cycle: z.number().int().min(1),
    status: z.enum(['pending', 'sent', 'failed', 'skipped']),
    dueAt: timestamp,
    sentAt: timestamp.nullable(),
  })
  .meta({ id: 'NoticeRecord', description: 'A notice of the current cycle, sent once' });

/** Only a single license or account read carries its notices, not a page of them. */
export const currentCycleNoticeRecords = (subject: 'license' | 'account') =>
  z.array(noticeRecord).optional().describe(`When one ${subject} is read: the notices of its current cycle`);

/** A license's or account's timeline: one entry per transition or notice still to come if nobody acts, in one shape for both. */
export const timelineOf = (subject: 'license' | 'account', meta: { id: string }) =>
  z
    .object({
      id,
      state: lifecycleState,
      timeline: z.array(
        z.object({
          at: timestamp,
          event: z.string().describe(`What happens, as the audit log and webhooks name it (${subject}.grace_started …)`),
          from: lifecycleState,
          to: lifecycleState.describe('The state after the event'),
          notices: z.array(z.object({ kind: z.string(), offset: z.string().optional() })).describe('The notices the event sends'),
        }),
      ),
    })
    .meta({ ...meta, description: 'Every transition and notice still to come if nobody acts, from the machine and the policy' });

/** A page of a list; `next` is passed back as `after` to read on, null on the last page. */
export const pageOf = <Item extends z.ZodType>(item: Item, name: string) =>
  z.object({ data: z.array(item), next: z.string().nullable().describe('Pass as `after` for the next page; null on the last') }).meta({ id: name });

/** A whole list, small enough to answer at once. */
export const listOf = <Item extends z.ZodType>(item: Item, name: string) => z.object({ data: z.array(item) }).meta({ id: name });

/**
 * What every lifecycle subject (license, account) answers with besides its own fields, in the
 * order api/lifecycle/kit.ts writes them; `fields` are the subject's own, and the four response
 * schemas of its routes (one, page, timeline) follow from them.
 */
export function lifecycleSubjectResponses<Fields extends z.ZodRawShape>(subject: 'license' | 'account', fields: Fields) {
  const title = subject === 'license' ? 'License' : 'Account';
  const one = z
    .object({
      id,
      companyId: id,
      product: z.string(),
      ...fields,
      policy: policyVersionRef,
      state: lifecycleState,
      protected: z.boolean().describe(`Whether the ${subject} still protects (true in grace, false once suspended)`),
      cycle: z.number().int().min(1).describe('Starts at 1; every renewal, resumption or restore starts a new one'),
      nextDeadline,
      notices: currentCycleNoticeRecords(subject),
      createdAt: timestamp,
      updatedAt: timestamp,
    })
    .meta({ id: title });
  return { one, page: pageOf(one, `${title}Page`), timeline: timelineOf(subject, { id: `${title}Timeline` }) };
}

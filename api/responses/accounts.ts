// What the account routes answer.
import { z } from 'zod';
import { count, id, lifecycleState, nextDeadline, noticeRecord, pageOf, policyVersionRef, term, timestamp } from './common.js';

export const accountResponse = z
  .object({
    id,
    companyId: id,
    product: z.string(),
    name: z.string(),
    term,
    policy: policyVersionRef,
    state: lifecycleState,
    protected: z.boolean(),
    seatsRequested: z.number().int().min(1),
    seatsAllocated: count,
    allocations: z
      .array(z.object({ licenseId: id, seats: z.number().int().min(1) }))
      .describe('Which licenses lend the seats: the engine decides, earliest-expiring eligible license first (R9)'),
    overage: count.describe('Seats requested that no license covers'),
    cycle: z.number().int().min(1),
    nextDeadline,
    notices: z.array(noticeRecord).optional().describe('When one account is read: the notices of its current cycle'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Account' });

export const accountPage = pageOf(accountResponse, 'AccountPage');

export const accountTimelineResponse = z
  .object({
    id,
    state: lifecycleState,
    timeline: z.array(
      z.object({
        at: timestamp,
        event: z.enum(['trial.ended', 'grace.halfway', 'grace.ended', 'deletion.notice_due', 'retention.ended']),
        from: lifecycleState,
        to: lifecycleState,
        notices: z.array(z.string()).describe('The notices the event sends'),
      }),
    ),
  })
  .meta({ id: 'AccountTimeline', description: 'Every transition and notice still to come if nobody acts' });

// What the account routes answer.
import { z } from 'zod';
import { count, currentCycleNoticeRecords, id, lifecycleState, nextDeadline, pageOf, policyVersionRef, term, timelineOf, timestamp } from '../common-responses.js';

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
    notices: currentCycleNoticeRecords('account'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Account' });

export const accountPage = pageOf(accountResponse, 'AccountPage');

export const accountTimelineResponse = timelineOf('account', { id: 'AccountTimeline' });

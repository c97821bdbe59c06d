// What the license routes answer.
import { z } from 'zod';
import { count, id, lifecycleState, nextDeadline, noticeRecord, pageOf, policyVersionRef, term, timestamp } from './common.js';

export const licenseResponse = z
  .object({
    id,
    companyId: id,
    product: z.string(),
    seats: z.number().int().min(1),
    seatsUsed: count,
    term,
    owner: z.enum(['partner', 'customer']).describe("partner: the MSP's own license used by the company; customer: the company's own"),
    tag: z.string().describe('The company name at issue; not renamed with the company (R8)'),
    accountType: z.string().nullable(),
    poolId: id.nullable(),
    sourceId: id.nullable(),
    policy: policyVersionRef,
    state: lifecycleState,
    protected: z.boolean().describe('Whether the seats still protect (true in grace, false once suspended)'),
    expiresAt: timestamp,
    cycle: z.number().int().min(1).describe('Starts at 1; every renewal or resumption starts a new one'),
    nextDeadline,
    notices: z.array(noticeRecord).optional().describe('When one license is read: the notices of its current cycle'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'License' });

export const licensePage = pageOf(licenseResponse, 'LicensePage');

export const licenseTimelineResponse = z
  .object({
    id,
    state: lifecycleState,
    timeline: z.array(
      z.object({
        at: timestamp,
        event: z.string().describe('expiry.notice_due, expiry.reached, grace.halfway, grace.ended, deletion.notice_due, retention.ended'),
        state: lifecycleState.describe('The state after the event'),
        notice: z.object({ kind: z.string(), offset: z.string().optional() }).optional().describe('The notice the event sends, if any'),
      }),
    ),
  })
  .meta({ id: 'LicenseTimeline', description: 'Every transition and notice still to come if nobody acts, from the machine and the policy' });

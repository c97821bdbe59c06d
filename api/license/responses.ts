// What the license routes answer.
import { z } from 'zod';
import { count, currentCycleNoticeRecords, id, lifecycleState, nextDeadline, pageOf, policyVersionRef, term, timelineOf, timestamp } from '../common-responses.js';

export const licenseResponse = z
  .object({
    id,
    companyId: id,
    product: z.string(),
    seats: z.number().int().min(1),
    seatsUsed: count,
    term: term.describe('A trial renewed becomes the paid term it was renewed into (M5)'),
    owner: z.enum(['partner', 'customer']).describe("partner: the MSP's own license used by the company; customer: the company's own"),
    tag: z.string().describe('The company name at issue; not renamed with the company (R8)'),
    accountType: z.string().nullable(),
    poolId: id.nullable(),
    accessGroupId: id.nullable(),
    sourceId: id.nullable(),
    policy: policyVersionRef,
    state: lifecycleState,
    protected: z.boolean().describe('Whether the seats still protect (true in grace, false once suspended)'),
    expiresAt: timestamp,
    cycle: z.number().int().min(1).describe('Starts at 1; every renewal or resumption starts a new one'),
    nextDeadline,
    notices: currentCycleNoticeRecords('license'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'License' });

export const licensePage = pageOf(licenseResponse, 'LicensePage');

export const licenseTimelineResponse = timelineOf('license', { id: 'LicenseTimeline' });

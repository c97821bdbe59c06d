// What the license routes answer.
import { z } from 'zod';
import { count, id, lifecycleSubjectResponses, term, timestamp } from '../common-responses.js';

export const licenseResponses = lifecycleSubjectResponses('license', {
  // An upstream may report a license of no seats (ESET's quantity 0); the API issues at least one.
  seats: z.number().int().min(0).describe('Seats licensed; 2147483647 for an upstream license without limit'),
  seatsUsed: count,
  term: term.describe('A trial renewed becomes the paid term it was renewed into (M5)'),
  owner: z.enum(['partner', 'customer']).describe("partner: the MSP's own license used by the company; customer: the company's own"),
  tag: z.string().describe('The company name at issue; not renamed with the company (R8)'),
  accountType: z.string().nullable(),
  poolId: id.nullable(),
  accessGroupId: id.nullable(),
  sourceId: id.nullable(),
  expiresAt: timestamp,
});

export const licenseResponse = licenseResponses.one;

// What the account routes answer.
import { z } from 'zod';
import { count, id, lifecycleSubjectResponses, term } from '../common-responses.js';

export const accountResponses = lifecycleSubjectResponses('account', {
  name: z.string(),
  term,
  seatsRequested: z.number().int().min(1),
  seatsAllocated: count,
  allocations: z
    .array(z.object({ licenseId: id, seats: z.number().int().min(1) }))
    .describe('Which licenses lend the seats: the engine decides, earliest-expiring eligible license first (R9)'),
  overage: count.describe('Seats requested that no license covers'),
});

export const accountResponse = accountResponses.one;

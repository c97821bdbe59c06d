// What the partner routes answer.
import { z } from 'zod';
import { apiKeyWithSecret } from '../api-key/responses.js';
import { id, listOf, timestamp } from '../common-responses.js';

export const partnerResponse = z
  .object({
    id,
    name: z.string(),
    contactEmail: z.string().nullable(),
    timeZone: z.string().describe('IANA time zone its notices are dated in'),
    monthlyProgramme: z.boolean().describe('Enrolled in the monthly (usage-billed) programme (R30)'),
    createdAt: timestamp,
  })
  .meta({ id: 'Partner' });

export const partnerList = listOf(partnerResponse, 'PartnerList');

export const partnerWithAdminKey = partnerResponse
  .extend({ adminKey: apiKeyWithSecret.pick({ id: true, name: true, role: true, secret: true }) })
  .meta({ id: 'NewPartner', description: 'A managed partner just created, with its first admin key: the only time its secret is shown' });

// What the company routes answer.
import { z } from 'zod';
import { id, listOf, timestamp } from '../common-responses.js';

export const companyResponse = z
  .object({
    id,
    name: z.string(),
    locale: z.string().describe('BCP 47 language tag of its notices'),
    noticeEmails: z.array(z.string()),
    noticeOptOuts: z.array(z.string()).describe('Notice kinds the company does not receive'),
    parentId: id.nullable(),
    policyId: id.nullable().describe("The policy its licenses get unless they name one; null: the partner's default"),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Company' });

export const companyList = listOf(companyResponse, 'CompanyList');

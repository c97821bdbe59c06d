// What the policy routes answer.
import { z } from 'zod';
import { id, listOf } from '../common-responses.js';

const duration = z.string().describe('ISO 8601 duration');

export const policyResponse = z
  .object({
    id,
    version: z.number().int().min(1).describe('A change is a new version; running licenses adopt it at their next cycle'),
    name: z.string(),
    trial: duration,
    grace: duration,
    suspension: duration,
    expiryNotices: z.array(duration).describe('How long before expiry each expiring notice goes out'),
    deletionNotice: duration.describe('How long before deletion the warning goes out'),
  })
  .meta({ id: 'Policy', description: 'The durations and notice offsets a license or account lives by' });

export const policyList = listOf(policyResponse, 'PolicyList');

export const productPolicyResponse = z
  .object({
    product: z.string().describe('Product code'),
    policyId: id.describe("The policy this product's licenses and accounts get unless their company or their issue names one"),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'ProductPolicy', description: "A partner's policy for one product, overriding its default policy" });

export const productPolicyList = listOf(productPolicyResponse, 'ProductPolicyList');

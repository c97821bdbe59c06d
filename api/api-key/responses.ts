// What the API key routes answer.
import { z } from 'zod';
import { id, listOf, timestamp } from '../common-responses.js';

export const apiKeyResponse = z
  .object({
    id,
    name: z.string(),
    role: z.enum(['admin', 'operator', 'viewer']),
    accessGroupIds: z.array(id).nullable().describe('The access groups it is scoped to; null: all of them'),
    createdAt: timestamp,
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const apiKeyList = listOf(apiKeyResponse, 'ApiKeyList');

export const apiKeyWithSecret = apiKeyResponse
  .extend({ secret: z.string().describe('Shown this once; only its hash is kept') })
  .meta({ id: 'NewApiKey' });

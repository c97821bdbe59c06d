// What the pool routes answer.
import { z } from 'zod';
import { count, id, listOf, timestamp } from '../common-responses.js';

export const poolResponse = z
  .object({
    id,
    name: z.string(),
    accessGroupId: id.describe('The group every license of the pool is in; only the whole pool moves (R5)'),
    defaultForCompanyId: id.nullable().describe("Set on a company's default pool"),
    sourceId: id.nullable().describe('The source a synced pool came from'),
    licenses: count.describe('How many live licenses the pool holds (deleted ones stay in it, uncounted)'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Pool' });

export const poolList = listOf(poolResponse, 'PoolList');

export const operationStarted = z
  .object({ operationId: id.describe('Follow it at GET /v1/operations/{id}') })
  .meta({ id: 'OperationStarted' });

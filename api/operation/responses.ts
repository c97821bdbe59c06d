// What GET /v1/operations/:id answers, whatever the kind of operation.
import { z } from 'zod';
import { count, id, timestamp } from '../common-responses.js';

export const operationResponse = z
  .object({
    id,
    kind: z.enum(['pool_move', 'sync']),
    status: z.enum(['running', 'succeeded', 'failed']),
    subject: z.object({ type: z.string(), id }).describe('What the operation is about: the pool moved, the source synced'),
    workflowId: z.string().describe('The Temporal workflow that runs it, as ops find it in the Temporal UI'),
    progress: z.object({ done: count, total: count.nullable() }).describe('For a pool move: licenses told of it, of how many'),
    request: z.record(z.string(), z.unknown()),
    result: z.record(z.string(), z.unknown()).nullable().describe('Once succeeded; a pool move says where from, where to, how many licenses, and a warning (R25)'),
    error: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    completedAt: timestamp.nullable(),
  })
  .meta({ id: 'Operation' });

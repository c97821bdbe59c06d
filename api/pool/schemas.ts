// What callers may send about pools.
import { z } from 'zod';

const uuid = z.uuid({ message: 'must be a UUID' });
const name = z.string().trim().min(1).max(200);

export const createPool = z
  .object({
    name,
    accessGroupId: uuid,
    companyId: uuid.optional().describe("Makes this pool the company's default pool: where its licenses issued without `poolId` land"),
  })
  .strict();

export const movePool = z.object({ accessGroupId: uuid.describe('The access group the pool and all its licenses move to') }).strict();

// What callers may send about access groups.
import { z } from 'zod';

const uuid = z.uuid({ message: 'must be a UUID' });
const name = z.string().trim().min(1).max(200);
const defaultForPools = z.boolean().describe("Companies' default pools are created in this group from now on (one group per partner)");

export const createAccessGroup = z.object({ name, parentId: uuid.optional(), defaultForPools: defaultForPools.optional() }).strict();

/** `parentId: null` makes the group a top-level one. */
export const updateAccessGroup = z.object({ name, parentId: uuid.nullable(), defaultForPools }).partial().strict();

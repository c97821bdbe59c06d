// What the access group routes answer.
import { z } from 'zod';
import { id, listOf, timestamp } from '../common-responses.js';

export const accessGroupResponse = z
  .object({
    id,
    name: z.string(),
    parentId: id.nullable(),
    defaultForPools: z.boolean().describe("Whether companies' default pools are created in this group"),
    createdAt: timestamp,
  })
  .meta({ id: 'AccessGroup' });

export const accessGroupList = listOf(accessGroupResponse, 'AccessGroupList');

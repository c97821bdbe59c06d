// PATCH /v1/licenses/:id: what a caller may change about a license outside its lifecycle. The tag
// is editable (R8); the pool and access group are not: a license never leaves its pool (R5).
import type Router from '@koa/router';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { licenses } from '../../db/schema.js';
import { audit } from '../audit/record.js';
import { actorOf, requireRole, type Caller } from '../auth.js';
import { documented } from '../openapi/route.js';
import { invalidInput } from '../problem.js';
import { parseInput } from '../validate.js';
import { text } from '../schemas.js';

type LicenseRow = typeof licenses.$inferSelect;

export const updateLicense = z
  .object({ tag: text().trim().min(1).max(200).describe('The company name at import by default; not renamed with the company (R8)') })
  .partial()
  .strict();

/** Fields that would take a license out of its pool, answered with what to do instead. */
const PLACEMENT_FIELDS = ['poolId', 'accessGroupId'] as const;

export function licenseEditRoute(
  router: Router,
  db: Database,
  kit: { find(caller: Caller, id: string): Promise<LicenseRow>; show(caller: Caller, id: string): Promise<Record<string, unknown>> },
  response: z.ZodType,
): void {
  documented(router).patch('/licenses/:id', {
    operationId: 'updateLicense',
    summary: "Edit a license's tag",
    description: 'The tag is editable (R8). `poolId` and `accessGroupId` answer 422: a license never leaves its pool; move the whole pool with `POST /v1/pools/{id}/move` (R5).',
    tag: 'Licenses',
    role: 'operator',
    body: updateLicense,
    responses: { 200: response },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const row = await kit.find(caller, ctx.params.id!);
    const sent = (ctx.request.body ?? {}) as Record<string, unknown>;
    const placement = PLACEMENT_FIELDS.find((field) => field in sent);
    if (placement) {
      throw invalidInput([{ field: placement, message: `cannot change: a license never leaves its pool; move the whole pool with POST /v1/pools/${row.poolId ?? '{id}'}/move (R5)` }]);
    }
    const body = parseInput(updateLicense, sent);
    if (body.tag !== undefined && body.tag !== row.tag) {
      await db.transaction(async (tx) => {
        await tx.update(licenses).set({ tag: body.tag }).where(eq(licenses.id, row.id));
        await audit(tx, { partnerId: row.partnerId, subjectType: 'license', subjectId: row.id, action: 'license.tag_changed', actor: actorOf(caller), before: { tag: row.tag }, after: { tag: body.tag } });
      });
    }
    ctx.body = (await kit.show(caller, row.id)) as never;
  });
}

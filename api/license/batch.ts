// `POST /v1/licenses/batch`: up to 1,000 licenses issued in one request, for the callers that
// load many (an import, a billing system). Each is issued as `POST /v1/licenses` issues one,
// many in flight at once, and answered with its own status: one company that does not exist
// fails its items, not the batch. One Idempotency-Key covers the whole request.
import type Router from '@koa/router';
import pLimit from 'p-limit';
import { z } from 'zod';
import type { LicenseView } from '../../machines/license/contract.js';
import type { AppDependencies } from '../app.js';
import { requireRole } from '../auth.js';
import { id, lifecycleState, nextDeadline, timestamp } from '../common-responses.js';
import { documented } from '../openapi/route.js';
import { asProblem } from '../problem.js';
import { issueLicense } from '../schemas.js';
import { parseInput } from '../validate.js';
import { issueLookups, issueOne } from './issue.js';

export const MAX_BATCH = 1_000;
/**
 * Batch items in flight at once in this API process, whatever the number of batch requests: as
 * many as P3's single POSTs keep, enough to keep the worker and the Temporal server busy. More
 * only contend: with 64 in flight (two requests of 32 each) the server spent a fifth more CPU on
 * each start, and at 128 7 % of the eager starts found no free task slot (issue 13). The items of
 * concurrent requests take their turns in the order they came.
 */
const IN_FLIGHT = 32;

const issueBatch = z.object({ items: z.array(issueLicense).min(1).max(MAX_BATCH) }).strict();

const issuedItem = z.object({
  index: z.number().int().min(0).describe('Position of the item in `items`'),
  status: z.literal(201),
  license: z.object({ id, state: lifecycleState, cycle: z.number().int().min(1), expiresAt: timestamp, nextDeadline }).describe('As written: `GET /v1/licenses/{id}` reads it from now on'),
});
const failedItem = z.object({
  index: z.number().int().min(0),
  status: z.number().int().min(400).max(599),
  problem: z.record(z.string(), z.unknown()).describe('The problem+json `POST /v1/licenses` would have answered for this item'),
});
const batchResponse = z
  .object({
    issued: z.number().int().min(0),
    failed: z.number().int().min(0),
    results: z.array(z.union([issuedItem, failedItem])).describe('One per item, in the order of `items`'),
  })
  .meta({ id: 'LicenseBatchResult' });

type ItemResult = z.infer<typeof issuedItem> | z.infer<typeof failedItem>;

export function licenseBatchRoute(router: Router, deps: AppDependencies): void {
  const issuing = pLimit(IN_FLIGHT);
  documented(router).post('/licenses/batch', {
    operationId: 'issueLicenses',
    summary: 'Issue up to 1,000 licenses in one request',
    description:
      'Each item is what `POST /v1/licenses` takes, and is issued as it would be: its workflow started and its first state written before the answer, so every license answered 201 reads back at once. ' +
      'Items succeed or fail on their own (a company or pool that does not exist fails its items only); an invalid item fails the whole request with 422 naming it (`items.3.seats`). ' +
      'One `Idempotency-Key` covers the request: a retry with it gets the first answer, and no license twice.',
    tag: 'Licenses',
    role: 'operator',
    body: issueBatch,
    responses: { 200: batchResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const { items } = parseInput(issueBatch, ctx.request.body);
    const lookups = issueLookups(deps.db, caller);
    const results = await Promise.all(items.map((item, index): Promise<ItemResult> => issuing(() =>
      issueOne(deps, caller, item, lookups).then(
        (view: LicenseView) => ({ index, status: 201 as const, license: { id: view.id, state: view.state, cycle: view.cycle, expiresAt: view.expiresAt, nextDeadline: view.nextDeadline } }),
        (error: unknown) => {
          const problem = asProblem(error);
          if (problem.status >= 500) ctx.state.log?.error({ err: error, index }, 'a license of the batch could not be issued');
          return { index, status: problem.status, problem: problem.body(`${ctx.path}#/items/${index}`, ctx.state.requestId as string) };
        },
      ),
    )));
    const issued = results.filter((result) => result.status === 201).length;
    ctx.body = { issued, failed: results.length - issued, results };
  });
}

// Managed customer usage (R28, R29): every company of the partner, per product, as JSON or,
// with `Accept: text/csv`, as CSV (columns documented in api/usage/csv.ts). Both stream
// from a PostgreSQL cursor, so a partner with 100,000 licenses costs one batch of memory.
import type Router from '@koa/router';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import type { AppDependencies } from '../app.js';
import { callerOf } from '../auth.js';
import { documented } from '../openapi/route.js';
import { Problem } from '../problem.js';
import { readUsage } from '../schemas.js';
import { jsonDataFormat, streamBatches } from '../streaming.js';
import { usageCsvColumns, usageCsvFormat } from './csv.js';
import { usageLine, usageLineOf, type UsageLine } from './line.js';
import { usageBatches, type UsageScope } from './query.js';
import { parseInput } from '../validate.js';
import { managedPartnerOf } from '../partner/routes.js';

const JSON_TYPE = 'application/json';
const CSV_TYPE = 'text/csv';

export function usageRoutes(router: Router, { db }: AppDependencies): void {
  documented(router).get(
    '/usage',
    {
      operationId: 'readUsage',
      summary: 'Managed customer usage',
      description:
        "Every company of the partner with, per product: licenses that are the partner's own and the company's own, " +
        'annual, monthly or trial, seats licensed and used, states, the next deadline, and warnings where protection is ' +
        'not installed or an account is in grace or suspended. A company with nothing yet has one line with product null. ' +
        `Send \`Accept: text/csv\` for the same lines as CSV (RFC 4180, header row; columns: ${usageCsvColumns.join(', ')}).`,
      tag: 'Usage',
      query: readUsage,
      responses: {
        200: {
          description: 'The usage lines, ordered by company name then product; streamed',
          schema: z.object({ data: z.array(usageLine) }),
          content: { [CSV_TYPE]: z.string().describe(`CSV with a header row: ${usageCsvColumns.join(',')}`) },
        },
      },
      problems: { 404: '`partnerId` names no managed partner of the caller (R1)', 406: 'Accept names neither application/json nor text/csv' },
    },
    async (ctx) => {
      const caller = callerOf(ctx);
      const query = parseInput(readUsage, ctx.query);
      // A parent reads its managed partners' usage; any other partner's id does not exist (R1).
      if (query.partnerId && query.partnerId !== caller.partnerId) await managedPartnerOf(db, caller.partnerId, query.partnerId);
      const scope: UsageScope = { partnerId: query.partnerId ?? caller.partnerId, accessGroupIds: caller.accessGroupIds, companyId: query.companyId, product: query.product };
      const media = ctx.accepts(JSON_TYPE, CSV_TYPE);
      if (media === CSV_TYPE) {
        ctx.attachment(`usage-${new Date().toISOString().slice(0, 10)}.csv`);
        await streamBatches(ctx, usageLines(db, scope), usageCsvFormat);
      } else if (media === JSON_TYPE) {
        await streamBatches(ctx, usageLines(db, scope), jsonDataFormat<UsageLine>());
      } else {
        throw new Problem(406, 'not_acceptable', 'The usage report is JSON or CSV', 'Send `Accept: application/json` or `Accept: text/csv`.');
      }
    },
  );
}

async function* usageLines(db: Database, scope: UsageScope): AsyncGenerator<UsageLine[]> {
  for await (const rows of usageBatches(db, scope)) yield rows.map(usageLineOf);
}

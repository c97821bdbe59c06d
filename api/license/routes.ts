// Licenses: issue (starts the license's workflow), then the routes every lifecycle shares
// (api/lifecycle/kit.ts) and the operations renew, suspend, resume and delete.
import type Router from '@koa/router';
import { eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { licenses } from '../../db/schema.js';
import { LicenseLifecycle, type LicenseEvent, type LicenseInput, type LicenseScheduledEvent, type LicenseSnapshot, type LicenseState } from '../../machines/license/index.js';
import { licenseWorkflowId, type RenewRequest } from '../../machines/license/contract.js';
import { renewedExpiry, type RenewalTerms } from '../../machines/license/renewal.js';
import { deleteLicense, renewLicense, resumeLicense, suspendLicense } from '../../workflows/license/messages.js';
import type { AppDependencies } from '../app.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { lifecycleRoutes } from '../lifecycle/kit.js';
import { documented } from '../openapi/route.js';
import { confirmQuery, sourceRemovalPrecheck } from '../pool/source-removal.js';
import { issueLicense, listLicenses, renewByDate, renewByDuration } from '../schemas.js';
import { parseInput } from '../validate.js';
import { licenseResponse, licenseResponses } from './responses.js';
import { licenseEditRoute } from './edit.js';
import { licenseBatchRoute } from './batch.js';
import { issueOne } from './issue.js';

type LicenseRow = typeof licenses.$inferSelect;
type LicenseTypes = { snapshot: LicenseSnapshot; state: LicenseState; event: LicenseEvent; input: LicenseInput; scheduled: LicenseScheduledEvent };

export function licenseRoutes(router: Router, deps: AppDependencies): void {
  const { db, temporal } = deps;
  const route = documented(router);

  route.post('/licenses', {
    operationId: 'issueLicense',
    summary: 'Issue a license',
    description: 'Starts the license\'s lifecycle: its notices, grace, suspension and deletion happen on time from now on. Give `expiresAt` or `duration`; a trial may give neither and lasts the policy\'s trial. Without `poolId` the license lands in its company\'s default pool.',
    tag: 'Licenses',
    role: 'operator',
    body: issueLicense,
    responses: { 201: licenseResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const issued = await issueOne(deps, caller, parseInput(issueLicense, ctx.request.body));
    await kit.answer(ctx, caller, issued.id, 201);
  });

  const kit = lifecycleRoutes<LicenseTypes, LicenseRow>(router, deps, {
    rules: LicenseLifecycle,
    table: licenses,
    responses: licenseResponses,
    listQuery: listLicenses,
    extraFilters: (query: z.infer<typeof listLicenses>) => [
      ...(query.expiresBefore ? [lt(licenses.expiresAt, new Date(query.expiresBefore))] : []),
      ...(query.sourceId ? [eq(licenses.sourceId, query.sourceId)] : []),
    ],
    fields: (row) => ({
      seats: row.seats,
      seatsUsed: row.seatsUsed,
      term: row.term,
      owner: row.owner,
      tag: row.tag,
      accountType: row.accountType,
      poolId: row.poolId,
      accessGroupId: row.accessGroupId,
      sourceId: row.sourceId,
      expiresAt: row.expiresAt.toISOString(),
    }),
    refusalReason: (row) => (row.accountType ? `The lifecycle does not allow it for a license that is ${row.state} and came from a ${row.accountType} account (R13).` : undefined),
  });


  kit.operation({
    method: 'post',
    path: '/licenses/:id/renew',
    name: 'renew',
    doc: {
      operationId: 'renewLicense',
      summary: 'Renew a license',
      description: 'To a date (`expiresAt`), or by a `duration` counted from the current expiry, from now, or from now only if already expired (`basis`). A license in grace or suspended becomes active again. A trial renewed becomes the paid `term` given (annual by default).',
      body: z.union([renewByDate, renewByDuration]),
    },
    prepare: (ctx) => {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const { term, ...terms } = 'expiresAt' in body ? parseInput(renewByDate, body) : parseInput(renewByDuration, body);
      const request: RenewRequest = {
        actor: actorOf(callerOf(ctx)),
        terms: ('expiresAt' in terms ? { expiresAt: Date.parse(terms.expiresAt) } : terms) as RenewalTerms,
        ...(term ? { term } : {}),
      };
      return {
        event: (snapshot, now) => ({ type: 'renew', expiresAt: renewedExpiry(request.terms, snapshot.context.expiresAt, now), at: now }),
        send: (handle) => handle.executeUpdate(renewLicense, { args: [request] }),
      };
    },
  });
  kit.plainOperation({ method: 'post', path: '/licenses/:id/suspend', name: 'suspend', update: suspendLicense, doc: { operationId: 'suspendLicense', summary: 'Suspend a license now' } });
  kit.plainOperation({ method: 'post', path: '/licenses/:id/resume', name: 'resume', update: resumeLicense, doc: { operationId: 'resumeLicense', summary: 'Resume a suspended license' } });
  kit.plainOperation({
    method: 'delete',
    path: '/licenses/:id',
    name: 'delete',
    update: deleteLicense,
    doc: {
      operationId: 'deleteLicense',
      summary: 'Delete a license now',
      description: 'A license that came from a source needs `confirm=true`: upstream, deleting it removes every pool of its source, which a 409 without it lists (R14).',
      query: confirmQuery,
    },
    precheck: sourceRemovalPrecheck(db, temporal),
  });
  licenseEditRoute(router, db, kit, licenseResponse);
  licenseBatchRoute(router, deps);
}

// ConnectWise Manage billing (DESIGN §6, R26, R27, seed 001): partner-wide and per-company
// settings, the agreements to map products to, a preview of exactly what a push would send,
// send now, the push history, and the periodic summaries' settings.
import type Router from '@koa/router';
import { and, desc, eq } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { billingPushes, connectWiseCompanySettings, connectWisePartnerSettings, partners, summarySettings } from '../../db/schema.js';
import { billingPeriodOf, nextBillingDates } from '../../machines/billing/billing-dates.js';
import {
  billingFailures,
  billingWorkflowId,
  LONGEST_WAIT_FOR_A_CALLER_MS,
  pushLinesOf,
  sendNowWorkflowId,
  summaryWorkflowId,
  type BillingPushLine,
  type BillingPushOutcome,
} from '../../machines/billing/contract.js';
import { linesFingerprint, zeroQuantityLines } from '../../machines/billing/quantities.js';
import { nextSummaryDate } from '../../machines/billing/summary-dates.js';
import { billingPlanOf, companySettings, companySettingsRow, lastScheduledPush, partnerSettingsRow, type ConnectWiseKeys } from '../../platform/billing/store.js';
import type { billingSchedule } from '../../workflows/billing/schedule.js';
import type { billingSendNow } from '../../workflows/billing/send-now.js';
import type { summarySchedule } from '../../workflows/billing/summary.js';
import { billingScheduleState, billingSettingsSaved, summarySettingsSaved } from '../../workflows/billing/messages.js';
import { CompanyId, PartnerId } from '../../workflows/search-attributes.js';
import type { AppDependencies } from '../app.js';
import { audit } from '../audit/record.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { companyOf } from '../company/routes.js';
import { documented } from '../openapi/route.js';
import { invalidInput, notFound, Problem } from '../problem.js';
import { parseInput } from '../validate.js';
import { connectWiseProblem, failureOf, lookUpConnectWise, notConfigured, passOnRetryAfter } from './connectwise.js';
import { companyConnectWiseSettings, listAgreementsQuery, partnerConnectWiseSettings, sendNow, summarySettingsBody } from './schemas.js';
import {
  agreementsResponse,
  companyConnectWiseResponse,
  partnerConnectWiseResponse,
  previewResponse,
  pushList,
  pushResponse,
  summarySettingsResponse,
} from './responses.js';

const TAG = 'Billing';
const PREVIEWED_DATES = 12;
const COMPANY_PATH = '/companies/:id/integrations/connectwise';
/** R27: a caller waiting on ConnectWise through the API is not kept waiting through a long Retry-After. */
const CONNECTWISE_UNAVAILABLE = `ConnectWise could not be reached, or was overloaded (429, 5xx) after retries, or at once when it asked to come back in more than ${String(LONGEST_WAIT_FOR_A_CALLER_MS / 1000)} s`;
/** Routes that look the company up in ConnectWise before they answer (seed 001 "Verify" and "Configure"). */
const LOOKUP_PROBLEMS = {
  409: 'The partner-wide settings are not saved, or ConnectWise refused them',
  503: `${CONNECTWISE_UNAVAILABLE}; nothing is saved. \`Retry-After\` when ConnectWise said when to come back`,
};

function partnerRepresentation(row: typeof connectWisePartnerSettings.$inferSelect) {
  // The keys are never returned, only whether they are set.
  return {
    baseUrl: row.baseUrl,
    company: row.company,
    clientId: row.clientId,
    publicKeySet: true,
    privateKeySet: true,
    billingDay: row.billingDay,
    billingHour: row.billingHour,
    timeZone: row.timeZone,
    updatedAt: row.updatedAt.toISOString(),
  };
}

function pushRepresentation(row: typeof billingPushes.$inferSelect) {
  return {
    id: row.id,
    trigger: row.trigger,
    period: row.period,
    status: row.status,
    lines: pushLinesOf(row.lines, row.additionsDone),
    error: row.error,
    errorType: row.errorType,
    actor: row.actor,
    createdAt: row.createdAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
  };
}

/** Starts the company's billing workflow if it is not running, and tells it the settings changed. */
async function reschedule(temporal: Client, taskQueue: string, partnerId: string, companyId: string, companyName: string): Promise<void> {
  await temporal.workflow.signalWithStart<typeof billingSchedule>('billingSchedule', {
    workflowId: billingWorkflowId(companyId),
    taskQueue,
    args: [{ partnerId, companyId }],
    signal: billingSettingsSaved,
    staticSummary: `ConnectWise billing · ${companyName}`,
    typedSearchAttributes: [
      { key: PartnerId, value: partnerId },
      { key: CompanyId, value: companyId },
    ],
  });
}

export function billingRoutes(router: Router, deps: AppDependencies): void {
  const { db, temporal, taskQueue } = deps;
  const route = documented(router);

  async function companyView(partnerId: string, companyId: string) {
    const row = await companySettingsRow(db, partnerId, companyId);
    const plan = await billingPlanOf(db, partnerId, companyId);
    if (!row || !plan) throw notConfigured('No ConnectWise settings are saved for this company yet: PUT them first (R27).');
    const view = await temporal.workflow.getHandle(billingWorkflowId(companyId)).query(billingScheduleState).catch(() => undefined);
    return {
      companyId,
      ...companySettings(row),
      schedule: plan.schedule,
      nextBillingDate: view?.nextBillingDate ?? (row.enabled ? isoDate(nextBillingDates(1, Date.now(), plan.schedule)[0]!) : null),
      lastScheduledPush: await lastScheduledPush(db, companyId),
      updatedAt: row.updatedAt.toISOString(),
    };
  }

  route.put('/partner/integrations/connectwise', {
    operationId: 'savePartnerConnectWiseSettings',
    summary: 'Save the partner-wide ConnectWise settings',
    description: 'The ConnectWise site and API member keys, and the general billing day and hour in the partner time zone. Keys are encrypted at rest and never returned.',
    tag: TAG,
    role: 'admin',
    body: partnerConnectWiseSettings,
    responses: { 200: partnerConnectWiseResponse },
    problems: { 503: 'This installation has no TENURE_CREDENTIALS_KEY to encrypt keys with' },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const body = parseInput(partnerConnectWiseSettings, ctx.request.body);
    const cipher = deps.sourceCredentials;
    if (!cipher) throw new Problem(503, 'credentials_key_missing', 'ConnectWise keys cannot be saved here', 'This installation has no TENURE_CREDENTIALS_KEY to encrypt keys with.');
    const before = await partnerSettingsRow(db, caller.partnerId);
    const keptKeys = before ? (cipher.decrypt(before.keysSealed) as ConnectWiseKeys) : undefined;
    const publicKey = body.publicKey ?? keptKeys?.publicKey;
    const privateKey = body.privateKey ?? keptKeys?.privateKey;
    if (!publicKey || !privateKey) {
      throw invalidInput([{ field: publicKey ? 'privateKey' : 'publicKey', message: 'is required the first time the settings are saved' }]);
    }
    const { publicKey: _public, privateKey: _private, ...settings } = body;
    const values = { ...settings, keysSealed: cipher.encrypt({ publicKey, privateKey } satisfies ConnectWiseKeys), updatedAt: new Date() };
    const [row] = await db
      .insert(connectWisePartnerSettings)
      .values({ partnerId: caller.partnerId, ...values })
      .onConflictDoUpdate({ target: connectWisePartnerSettings.partnerId, set: values })
      .returning();
    await audit(db, {
      partnerId: caller.partnerId,
      subjectType: 'partner',
      subjectId: caller.partnerId,
      action: 'billing.partner_settings_saved',
      actor: actorOf(caller),
      before: before ? partnerRepresentation(before) : null,
      after: { ...partnerRepresentation(row!), keysChanged: body.publicKey !== undefined || body.privateKey !== undefined },
    });
    // Companies on general settings bill on the new day and hour: their workflows plan again.
    const enabled = await db
      .select({ companyId: connectWiseCompanySettings.companyId })
      .from(connectWiseCompanySettings)
      .where(and(eq(connectWiseCompanySettings.partnerId, caller.partnerId), eq(connectWiseCompanySettings.enabled, true)));
    for (const { companyId } of enabled) {
      await temporal.workflow.getHandle(billingWorkflowId(companyId)).signal(billingSettingsSaved).catch((error: unknown) => {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      });
    }
    ctx.body = partnerRepresentation(row!);
  });

  route.get('/partner/integrations/connectwise', {
    operationId: 'getPartnerConnectWiseSettings',
    summary: 'Read the partner-wide ConnectWise settings',
    description: 'The keys are never returned: `publicKeySet` and `privateKeySet` say they are there.',
    tag: TAG,
    responses: { 200: partnerConnectWiseResponse },
    problems: { 409: 'No partner-wide settings are saved yet' },
  }, async (ctx) => {
    const row = await partnerSettingsRow(db, callerOf(ctx).partnerId);
    if (!row) throw notConfigured('No partner-wide ConnectWise settings are saved yet: PUT them first.');
    ctx.body = partnerRepresentation(row);
  });

  route.get(`${COMPANY_PATH}/agreements`, {
    operationId: 'listConnectWiseAgreements',
    summary: "List the company's ConnectWise agreements and their additions",
    description: 'What a product can be mapped to (seed 001 "Configure"); read from ConnectWise now.',
    tag: TAG,
    query: listAgreementsQuery,
    responses: { 200: agreementsResponse },
    problems: LOOKUP_PROBLEMS,
  }, async (ctx) => {
    const { partnerId } = callerOf(ctx);
    const company = await companyOf(db, partnerId, ctx.params.id!);
    const query = parseInput(listAgreementsQuery, ctx.query);
    const identifier = query.identifier ?? (await companySettingsRow(db, partnerId, company.id))?.identifier;
    if (!identifier) throw invalidInput([{ field: 'identifier', message: 'is required until the company settings are saved' }]);
    const found = await lookUpConnectWise(ctx, temporal, taskQueue, partnerId, identifier);
    if (!found.company) throw invalidInput([{ field: 'identifier', message: `ConnectWise has no company "${identifier}"` }]);
    ctx.body = { company: found.company, agreements: found.agreements };
  });

  route.put(COMPANY_PATH, {
    operationId: 'saveCompanyConnectWiseSettings',
    summary: "Save a company's ConnectWise billing settings",
    description:
      'Verifies the identifier against ConnectWise and each mapping against the additions ConnectWise lists (422 naming the field otherwise), then reschedules the billing workflow. Each month is pushed once (R26): a period already pushed is not pushed again, and a month whose billing date the change moves before now is pushed at once rather than skipped.',
    tag: TAG,
    role: 'admin',
    body: companyConnectWiseSettings,
    responses: { 200: companyConnectWiseResponse },
    problems: LOOKUP_PROBLEMS,
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const company = await companyOf(db, caller.partnerId, ctx.params.id!);
    const body = parseInput(companyConnectWiseSettings, ctx.request.body);
    if (!(await partnerSettingsRow(db, caller.partnerId))) throw notConfigured('Save the partner-wide settings first: PUT /v1/partner/integrations/connectwise.');
    const found = await lookUpConnectWise(ctx, temporal, taskQueue, caller.partnerId, body.identifier);
    if (!found.company) throw invalidInput([{ field: 'identifier', message: `ConnectWise has no company "${body.identifier}"` }]);
    body.mappings.forEach((mapping, index) => {
      const agreement = found.agreements.find((candidate) => candidate.id === mapping.agreementId);
      if (!agreement) throw invalidInput([{ field: `mappings.${index}.agreementId`, message: `is not an agreement of ConnectWise company "${body.identifier}"` }]);
      if (!agreement.additions.some((addition) => addition.id === mapping.additionId)) {
        throw invalidInput([{ field: `mappings.${index}.additionId`, message: `is not an addition of agreement ${mapping.agreementId}` }]);
      }
    });
    const before = await companySettingsRow(db, caller.partnerId, company.id);
    const values = {
      ...body,
      billingDay: body.settings === 'custom' ? (body.billingDay ?? null) : null,
      billingHour: body.settings === 'custom' ? (body.billingHour ?? null) : null,
      // ConnectWise's spelling of the identifier it matched, ignoring case, to the one sent.
      identifier: found.company.identifier,
      connectWiseCompanyId: found.company.id,
      updatedAt: new Date(),
    };
    await db
      .insert(connectWiseCompanySettings)
      .values({ companyId: company.id, partnerId: caller.partnerId, ...values })
      .onConflictDoUpdate({ target: connectWiseCompanySettings.companyId, set: values });
    await audit(db, {
      partnerId: caller.partnerId,
      subjectType: 'company',
      subjectId: company.id,
      action: 'billing.settings_saved',
      actor: actorOf(caller),
      before: before ? { ...companySettings(before) } : null,
      after: values,
    });
    await reschedule(temporal, taskQueue, caller.partnerId, company.id, company.name);
    ctx.body = await companyView(caller.partnerId, company.id);
  });

  route.get(COMPANY_PATH, {
    operationId: 'getCompanyConnectWiseSettings',
    summary: "Read a company's ConnectWise billing settings, next billing date and last push",
    tag: TAG,
    responses: { 200: companyConnectWiseResponse },
    problems: { 409: 'No ConnectWise settings are saved for this company yet (R27)' },
  }, async (ctx) => {
    const { partnerId } = callerOf(ctx);
    const company = await companyOf(db, partnerId, ctx.params.id!);
    ctx.body = await companyView(partnerId, company.id);
  });

  route.get(`${COMPANY_PATH}/preview`, {
    operationId: 'previewConnectWiseBilling',
    summary: 'Preview what a push would send now, and the next 12 billing dates',
    description: 'Per mapped and included product: the seats licensed or used of its licenses that protect now. Send now pushes exactly these quantities.',
    tag: TAG,
    responses: { 200: previewResponse },
    problems: { 409: 'R27: the settings are not saved' },
  }, async (ctx) => {
    const { partnerId } = callerOf(ctx);
    const company = await companyOf(db, partnerId, ctx.params.id!);
    const plan = await billingPlanOf(db, partnerId, company.id);
    if (!plan) throw notConfigured('R27: save the ConnectWise settings of the partner and of this company first.');
    const now = Date.now();
    ctx.body = {
      period: billingPeriodOf(now, plan.schedule.timeZone),
      quantityBasis: plan.settings.quantityBasis,
      lines: plan.lines,
      zeroQuantityProducts: zeroQuantityLines(plan.lines).map((line) => line.product),
      fingerprint: linesFingerprint(plan.lines),
      nextBillingDates: nextBillingDates(PREVIEWED_DATES, now, plan.schedule).map(isoDate),
    };
  });

  route.post(`${COMPANY_PATH}/send-now`, {
    operationId: 'sendConnectWiseBillingNow',
    summary: 'Push the billing quantities now (R27)',
    description: 'Pushes the quantities the preview shows; with `fingerprint`, only if they are still the ones the caller previewed. Answers the push, recorded and audited.',
    tag: TAG,
    role: 'operator',
    body: sendNow,
    responses: { 201: pushResponse },
    problems: {
      409: 'R27: the settings are not saved or disabled; the quantities changed since the preview; or a quantity would be 0 without allowZeroQuantity',
      502: 'ConnectWise refused the push (e.g. 400, 404); it is recorded as failed, with `push.lines[].status` saying which lines ConnectWise took before',
      503: `${CONNECTWISE_UNAVAILABLE}; recorded as failed like a 502. \`Retry-After\` when ConnectWise said when to come back; a retry with the same Idempotency-Key pushes again`,
    },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const company = await companyOf(db, caller.partnerId, ctx.params.id!);
    const body = parseInput(sendNow, ctx.request.body);
    const plan = await billingPlanOf(db, caller.partnerId, company.id);
    if (!plan) throw notConfigured('R27: send now needs saved settings; save the ConnectWise settings of the partner and of this company first.');
    if (!plan.settings.enabled) throw notConfigured('ConnectWise billing is disabled for this company; enable it to send now.');
    if (body.fingerprint !== undefined && body.fingerprint !== linesFingerprint(plan.lines)) {
      throw new Problem(409, 'preview_changed', 'The quantities changed since the preview', 'Nothing was pushed. Read the preview again and send its fingerprint.');
    }
    const zeros = zeroQuantityLines(plan.lines);
    if (zeros.length > 0 && !plan.settings.allowZeroQuantity) {
      throw new Problem(409, 'zero_quantity_refused', 'The push would set a quantity to 0', `Nothing was pushed: ${zeros.map((line) => line.product).join(', ')} would be 0. Set allowZeroQuantity if that is right.`, {
        products: zeros.map((line) => line.product),
      });
    }
    const pushId = crypto.randomUUID();
    let outcome: BillingPushOutcome;
    try {
      outcome = await temporal.workflow.execute<typeof billingSendNow>('billingSendNow', {
        workflowId: sendNowWorkflowId(pushId),
        taskQueue,
        args: [{ pushId, partnerId: caller.partnerId, companyId: company.id, trigger: 'send_now', period: billingPeriodOf(Date.now(), plan.schedule.timeZone), actor: actorOf(caller), lines: plan.lines }],
        staticSummary: `ConnectWise send now · ${company.name}`,
        typedSearchAttributes: [
          { key: PartnerId, value: caller.partnerId },
          { key: CompanyId, value: company.id },
        ],
      });
    } catch (error) {
      if (failureOf(error)) throw connectWiseProblem(error);
      throw error;
    }
    const [row] = await db.select().from(billingPushes).where(eq(billingPushes.id, pushId));
    const push = pushRepresentation(row!);
    if (push.status === 'failed' && push.errorType === billingFailures.connectWiseUnavailable) {
      passOnRetryAfter(ctx, outcome.retryAfterMs);
      throw new Problem(503, 'connectwise_unavailable', 'ConnectWise could not be reached now', `${failedPushDetail(push.error, push.lines)} Send now again later.`, { push });
    }
    if (push.status === 'failed') {
      throw new Problem(502, 'connectwise_push_failed', 'ConnectWise did not take the push', failedPushDetail(push.error, push.lines), { push });
    }
    ctx.status = 201;
    ctx.body = push;
  });

  route.get(`${COMPANY_PATH}/pushes`, {
    operationId: 'listConnectWisePushes',
    summary: "A company's pushes, newest first, with what each sent",
    tag: TAG,
    responses: { 200: pushList },
  }, async (ctx) => {
    const { partnerId } = callerOf(ctx);
    const company = await companyOf(db, partnerId, ctx.params.id!);
    const rows = await db.select().from(billingPushes).where(and(eq(billingPushes.partnerId, partnerId), eq(billingPushes.companyId, company.id))).orderBy(desc(billingPushes.createdAt)).limit(100);
    ctx.body = { data: rows.map(pushRepresentation) };
  });

  async function summaryView(partnerId: string, companyId: string) {
    const [row] = await db.select().from(summarySettings).where(and(eq(summarySettings.companyId, companyId), eq(summarySettings.partnerId, partnerId)));
    const [partner] = await db.select({ timeZone: partners.timeZone }).from(partners).where(eq(partners.id, partnerId));
    const timeZone = (await partnerSettingsRow(db, partnerId))?.timeZone ?? partner!.timeZone;
    const frequency = row?.frequency ?? null;
    const hour = row?.hour ?? 8;
    return { companyId, frequency, hour, timeZone, nextSummaryAt: frequency ? new Date(nextSummaryDate(Date.now(), { frequency, hour, timeZone }).at).toISOString() : null };
  }

  route.put('/companies/:id/summaries', {
    operationId: 'saveSummarySettings',
    summary: "Save how often a company receives its periodic summary",
    description: 'Daily, weekly (Mondays) or monthly (the 1st) at an hour of the partner time zone: by e-mail in the company language, and as a ConnectWise ticket note when ConnectWise is set up.',
    tag: TAG,
    role: 'admin',
    body: summarySettingsBody,
    responses: { 200: summarySettingsResponse },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const company = await companyOf(db, caller.partnerId, ctx.params.id!);
    const body = parseInput(summarySettingsBody, ctx.request.body);
    const values = { frequency: body.frequency, hour: body.hour, updatedAt: new Date() };
    await db.insert(summarySettings).values({ companyId: company.id, partnerId: caller.partnerId, ...values }).onConflictDoUpdate({ target: summarySettings.companyId, set: values });
    await audit(db, { partnerId: caller.partnerId, subjectType: 'company', subjectId: company.id, action: 'billing.summary_settings_saved', actor: actorOf(caller), after: { frequency: body.frequency, hour: body.hour } });
    await temporal.workflow.signalWithStart<typeof summarySchedule>('summarySchedule', {
      workflowId: summaryWorkflowId(company.id),
      taskQueue,
      args: [{ partnerId: caller.partnerId, companyId: company.id }],
      signal: summarySettingsSaved,
      staticSummary: `Periodic summary · ${company.name}`,
      typedSearchAttributes: [
        { key: PartnerId, value: caller.partnerId },
        { key: CompanyId, value: company.id },
      ],
    });
    ctx.body = await summaryView(caller.partnerId, company.id);
  });

  route.get('/companies/:id/summaries', {
    operationId: 'getSummarySettings',
    summary: "Read how often a company receives its periodic summary, and when the next one goes",
    tag: TAG,
    responses: { 200: summarySettingsResponse },
  }, async (ctx) => {
    const { partnerId } = callerOf(ctx);
    const company = await companyOf(db, partnerId, ctx.params.id!);
    ctx.body = await summaryView(partnerId, company.id);
  });
}

/** Why a push failed and what it left in ConnectWise: the lines set before the failure stay set. */
function failedPushDetail(error: string | null, lines: BillingPushLine[]): string {
  const pushed = lines.filter((line) => line.status === 'pushed').map((line) => line.product);
  const left = pushed.length === 0 ? 'No quantity was changed in ConnectWise.' : `ConnectWise took the quantities of ${pushed.join(', ')} before that; the other lines were not pushed.`;
  return error === null ? left : `${error}. ${left}`;
}

function isoDate(date: { period: string; at: number }) {
  return { period: date.period, at: new Date(date.at).toISOString() };
}

// The routes every lifecycle subject (license, account) serves alike: list, read, timeline, and
// operations answered from the machine first (409 before Temporal is called), then sent as an
// Update that writes before it answers, so the caller reads its own write.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { lifecycleWorkflowId, type Operation } from '../../machines/lifecycle/contract.js';
import type { z } from 'zod';
import type { Database } from '../../db/client.js';
import { preparedOnce } from '../../db/prepared.js';
import { accounts, licenses } from '../../db/schema.js';
import { eventName } from '../../machines/lifecycle/event-names.js';
import { ILLEGAL_OPERATION, INVALID_OPERATION } from '../../machines/lifecycle/failures.js';
import type { Lifecycle, LifecycleTypes } from '../../machines/lifecycle/lifecycle.js';
import type { SubjectType } from '../../machines/lifecycle/notices.js';
import { actorOf, callerOf, requireRole, type Caller } from '../auth.js';
import { documented, type RouteDoc } from '../openapi/route.js';
import { nextAfter } from '../paging.js';
import { illegalTransition, invalidInput, notFound } from '../problem.js';
import { scopeOf, type Scope } from '../scope.js';
import { parseInput } from '../validate.js';
import { subjectFilters } from './list-filters.js';
import { currentCycleNoticesOf, noticesShown } from './notices.js';
import { nextDeadlineOf, projectedSnapshot } from './projection.js';
import { sendOrRefuse } from './refused-update.js';

type SubjectTable = typeof licenses | typeof accounts;
type SubjectRow = typeof licenses.$inferSelect | typeof accounts.$inferSelect;

/** What a subject's routes need to know of it; license and account each give one. */
export interface SubjectKit<T extends LifecycleTypes, Row extends SubjectRow> {
  /** The machine's lifecycle; its subject names the routes (`/licenses`, tag `Licenses`, "a license"). */
  rules: Lifecycle<T>;
  table: SubjectTable;
  responses: { one: z.ZodType; page: z.ZodType; timeline: z.ZodType };
  listQuery: z.ZodObject;
  /** Filters beyond state, company and product. */
  extraFilters?: (query: never) => SQL[];
  /** The subject's own fields of its representation, besides the lifecycle's. */
  fields: (row: Row) => Record<string, unknown>;
  /** Why the machine refuses, when the subject can say more than its state (R13). */
  refusalReason?: (row: Row) => string | undefined;
}

export interface LifecycleRoutes<T extends LifecycleTypes, Row extends SubjectRow> {
  /** The subject as the caller's key may see it, or 404 as for another partner's (R1, R2). */
  find(caller: Caller, id: string): Promise<Row>;
  /** The subject as reading it answers, with its current cycle's notices, read in one query. */
  show(caller: Caller, id: string): Promise<Record<string, unknown>>;
  /** `POST <path>/:id/<name>`, `PATCH` or `DELETE <path>/:id`: legal by the machine, then sent as an Update. */
  operation(spec: OperationSpec<T, Row>): void;
  /** An operation whose machine event is its name, with no body: its Update carries only who asked. */
  plainOperation(spec: PlainOperationSpec<T, Row>): void;
  /** Starts nothing; reads and answers a subject just written, e.g. after its workflow started. */
  answer(ctx: Context, caller: Caller, id: string, status?: number): Promise<void>;
}

export interface OperationSpec<T extends LifecycleTypes, Row extends SubjectRow> {
  method: 'post' | 'patch' | 'delete';
  path: string;
  /** The operation's name as a refusal reads it: "cannot renew a license that is deleted". */
  name: string;
  doc: Pick<RouteDoc, 'operationId' | 'summary' | 'description' | 'body' | 'query'>;
  /** Called once the machine allows the operation, before the Update: a check of its own (R14 for a deletion), which may answer instead. */
  precheck?: (ctx: Context, caller: Caller, row: Row) => Promise<boolean>;
  /** The machine event the operation is, and the Update that asks the workflow for it. */
  prepare: (ctx: Context, caller: Caller, row: Row) => { event: (snapshot: T['snapshot'], now: number) => T['event']; send: (handle: WorkflowHandle) => Promise<unknown> };
}

export interface PlainOperationSpec<T extends LifecycleTypes, Row extends SubjectRow> extends Omit<OperationSpec<T, Row>, 'prepare' | 'name'> {
  name: T['event']['type'];
  update: UpdateDefinition<unknown, [Operation]>;
}

export function lifecycleRoutes<T extends LifecycleTypes, Row extends SubjectRow>(
  router: Router,
  deps: { db: Database; temporal: Client },
  kit: SubjectKit<T, Row>,
): LifecycleRoutes<T, Row> {
  const { db, temporal } = deps;
  const route = documented(router);
  const table = kit.table as typeof licenses;
  const { subject } = kit.rules;
  const title = `${subject[0]!.toUpperCase()}${subject.slice(1)}`;
  const inScope = (scope: Scope) => (subject === 'license' ? scope.licenses() : scope.accounts());
  const names = { subject, title, tag: `${title}s`, path: `/${subject}s`, noun: `${/^[aeiou]/.test(subject) ? 'an' : 'a'} ${subject}` };
  const illegalNow = `The lifecycle does not allow it in the ${names.subject}'s current state; \`state\` and \`operation\` say which`;

  /** The subject, if the caller's key may see it (R1, R2). */
  const visible = (caller: Caller, id: string) => and(eq(table.id, id), inScope(scopeOf(caller)));

  /**
   * A key of the whole partner sees every subject of it: the most common reads, so theirs are
   * built and prepared once (issue 13). A key of some access groups has its scope's conditions.
   */
  const ofPartnerById = and(eq(table.id, sql.placeholder('id')), eq(table.partnerId, sql.placeholder('partnerId')));
  const ofWholePartner = (caller: Caller) => caller.accessGroupIds === null;
  const findOfPartner = preparedOnce((handle: Database) => handle.select({ row: table }).from(table).where(ofPartnerById).limit(1).prepare(`find_${subject}`));
  const shown = { row: table, notices: currentCycleNoticesOf(table) };
  const showOfPartner = preparedOnce((handle: Database) => handle.select(shown).from(table).where(ofPartnerById).limit(1).prepare(`show_${subject}`));

  const find = async (caller: Caller, id: string): Promise<Row> => {
    const [found] = ofWholePartner(caller)
      ? await findOfPartner(db).execute({ id, partnerId: caller.partnerId })
      : await db.select({ row: table }).from(table).where(visible(caller, id)).limit(1);
    if (!found) throw notFound(names.title);
    return found.row as Row;
  };

  const snapshotOf = (row: Row) => projectedSnapshot(db, row, kit.rules.restore);

  const represent = async (row: Row, notices?: ReturnType<typeof noticesShown>) => {
    const snapshot = await snapshotOf(row);
    return {
      id: row.id,
      companyId: row.companyId,
      product: row.product,
      ...kit.fields(row),
      policy: { id: row.policyId, version: row.policyVersion },
      state: row.state,
      // Derived from the state by the machine (R11, R16), never stored beside it.
      protected: kit.rules.isProtected(snapshot),
      cycle: row.cycle,
      nextDeadline: nextDeadlineOf(row),
      ...(notices ? { notices } : {}),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  };

  const show = async (caller: Caller, id: string) => {
    const [found] = ofWholePartner(caller)
      ? await showOfPartner(db).execute({ id, partnerId: caller.partnerId })
      : await db.select(shown).from(table).where(visible(caller, id)).limit(1);
    if (!found) throw notFound(names.title);
    return represent(found.row as Row, noticesShown(found.notices));
  };

  const refusal = (operation: string, row: Row, snapshot: T['snapshot'], detail?: string) => {
    const reason =
      detail ??
      (snapshot.status === 'done'
        ? `A deleted ${names.subject} cannot change.`
        : (kit.refusalReason?.(row) ?? `The lifecycle does not allow it for ${names.noun} that is ${row.state}.`));
    return illegalTransition(names.noun, operation, row.state, reason);
  };

  route.get(names.path, { operationId: `list${names.title}s`, summary: `List ${names.subject}s`, tag: names.tag, query: kit.listQuery, responses: { 200: kit.responses.page } }, async (ctx) => {
    const caller = callerOf(ctx);
    const query = parseInput(kit.listQuery, ctx.query) as { state?: string; companyId?: string; product?: string; after?: string; limit: number };
    const filters = [...subjectFilters(kit.table, caller.partnerId, query), inScope(scopeOf(caller)), ...(kit.extraFilters?.(query as never) ?? [])];
    const rows = (await db.select().from(table).where(and(...filters)).orderBy(asc(table.id)).limit(query.limit)) as Row[];
    const data = await Promise.all(rows.map((row) => represent(row)));
    ctx.body = { data, next: nextAfter(rows, query.limit) } as never;
  });

  route.get(`${names.path}/:id`, {
    operationId: `get${names.title}`,
    summary: `Read ${names.noun}, its next deadline and the notices of its cycle`,
    tag: names.tag,
    responses: { 200: kit.responses.one },
  }, async (ctx) => {
    ctx.body = (await show(callerOf(ctx), ctx.params.id!)) as never;
  });

  route.get(`${names.path}/:id/timeline`, {
    operationId: `get${names.title}Timeline`,
    summary: 'Every transition and notice to come if nobody acts, with its time',
    tag: names.tag,
    responses: { 200: kit.responses.timeline },
  }, async (ctx) => {
    const row = await find(callerOf(ctx), ctx.params.id!);
    const timeline = kit.rules.timeline(await snapshotOf(row));
    ctx.body = {
      id: row.id,
      state: row.state,
      timeline: timeline.map((entry) => ({
        at: new Date(entry.at).toISOString(),
        event: eventName(names.subject, entry.event.type),
        from: entry.from,
        to: entry.to,
        notices: entry.notices,
      })),
    } as never;
  });

  const operation = (spec: OperationSpec<T, Row>) => {
    const register = route[spec.method];
    register(spec.path, {
      ...spec.doc,
      tag: names.tag,
      role: 'operator',
      responses: { 200: kit.responses.one },
      problems: { 409: illegalNow },
    }, async (ctx) => {
      const caller = requireRole(ctx, 'operator');
      const row = await find(caller, ctx.params.id!);
      const { event, send } = spec.prepare(ctx, caller, row);
      const snapshot = await snapshotOf(row);
      if (!kit.rules.canApply(snapshot, event(snapshot, Date.now()))) throw refusal(spec.name, row, snapshot);
      // After the machine: a confirmation (R14) is asked only for what the lifecycle allows.
      if (spec.precheck && !(await spec.precheck(ctx, caller, row))) return;
      // Another operation won a race since the read above (the workflow refused, or has ended since a
      // deletion): the caller hears the state it won to, read again, as the workflow writes first.
      const stateNow = async () => {
        const now = await find(caller, row.id);
        return { now, nowSnapshot: await snapshotOf(now) };
      };
      await sendOrRefuse(
        () => send(temporal.workflow.getHandle(lifecycleWorkflowId(subject, row.id))),
        async (type, message) => {
          if (type === INVALID_OPERATION) return invalidInput([{ field: 'body', message }]);
          if (type !== ILLEGAL_OPERATION) return undefined;
          const { now, nowSnapshot } = await stateNow();
          return refusal(spec.name, now, nowSnapshot, message);
        },
        async () => {
          const { now, nowSnapshot } = await stateNow();
          return kit.rules.canApply(nowSnapshot, event(nowSnapshot, Date.now())) ? undefined : refusal(spec.name, now, nowSnapshot);
        },
      );
      ctx.body = (await show(caller, row.id)) as never;
    });
  };

  const plainOperation = ({ update, ...spec }: PlainOperationSpec<T, Row>) =>
    operation({
      ...spec,
      prepare: (ctx) => ({
        event: (_, at) => ({ type: spec.name, at }) as T['event'],
        send: (handle) => handle.executeUpdate(update, { args: [{ actor: actorOf(callerOf(ctx)) }] }),
      }),
    });

  const answer = async (ctx: Context, caller: Caller, id: string, status = 200) => {
    ctx.status = status;
    if (status === 201) ctx.set('Location', `/v1${names.path}/${id}`);
    ctx.body = await show(caller, id);
  };

  return { find, show, operation, plainOperation, answer };
}

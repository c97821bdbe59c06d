// The one transaction of a sync (DESIGN §5): what was staged is compared with what the source
// read last time, and only the differences are written: new companies join the tree (R22), new
// licenses get their pool (R6, R7) and their tag (R8), changed ones their new facts, gone ones
// are marked and audited. Nothing is written when nothing changed. A retry after the commit
// answers the first run's result, kept on the operation in the same transaction.
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/activity';
import type { Database, Transaction } from '../../db/client.js';
import {
  accessGroups,
  auditLog,
  companies,
  licenses,
  operations,
  pools,
  sourceCompanies,
  sourceLicenses,
  sourcePools,
  sources,
  sourceSubscriptions,
  syncStaging,
} from '../../db/schema.js';
import { noCounts, sourceActor, syncActions, SYNC_REFUSED, UNREAD_COMPANIES_SHOWN, type Reconciled, type SyncCounts } from '../../machines/source/sync.js';
import { upstreamFailureTypes, type UpstreamCompany, type UpstreamGap, type UpstreamLicense, type UpstreamSubscription } from '../../machines/source/upstream.js';
import type { SourceRow } from './load.js';
import { sameFacts, seatsOf } from './facts.js';

/** Rows per insert: well under PostgreSQL's 65,535 parameters. */
const ROWS_PER_INSERT = 2_000;

type KnownLicense = typeof sourceLicenses.$inferSelect;

/** The staged read, by kind. */
interface StagedRead {
  companies: UpstreamCompany[];
  licenses: UpstreamLicense[];
  /** By upstream company id: the companies whose licenses the upstream would not give this time. */
  gaps: Map<string, UpstreamGap>;
  subscriptions: UpstreamSubscription[];
}

export function createReconcileActivities(db: Database) {
  return {
    async reconcileSync({ operationId, sourceId }: { operationId: string; sourceId: string }): Promise<Reconciled> {
      return db.transaction(async (tx) => {
        const [operation] = await tx.select({ result: operations.result }).from(operations).where(eq(operations.id, operationId)).for('update');
        const done = (operation?.result as { reconciled?: Reconciled } | null)?.reconciled;
        if (done) return done;
        const [source] = await tx.select().from(sources).where(eq(sources.id, sourceId)).for('update');
        if (!source) throw ApplicationFailure.nonRetryable(`source ${sourceId} no longer exists`, SYNC_REFUSED);
        const staged = await stagedRead(tx, operationId);
        // R4, R23: an upstream that suddenly lists nothing is not taken to mean everything is gone.
        if (staged.companies.length === 0) throw ApplicationFailure.nonRetryable('R4: the source read no company; nothing was changed', upstreamFailureTypes.noCompanies);
        // R4: companies listed but none whose licenses the upstream gave are no company read either.
        if (staged.companies.every((company) => staged.gaps.has(company.upstreamId))) {
          throw ApplicationFailure.nonRetryable(`R4: the source lists ${staged.companies.length} companies but could read none of them (${[...staged.gaps.values()][0]!.detail}); nothing was changed`, upstreamFailureTypes.noCompanies);
        }

        const reconciliation = new Reconciliation(tx, source, operationId);
        await reconciliation.companies(staged.companies);
        await reconciliation.licenses(staged.licenses, reconciliation.withUnlistedBelow(staged.gaps, staged.companies));
        await reconciliation.subscriptions(staged.subscriptions);
        const licensesToTell = await tx.$count(sourceLicenses, and(eq(sourceLicenses.sourceId, sourceId), isNotNull(sourceLicenses.pending)));
        const result: Reconciled = { counts: reconciliation.counts, licensesToTell };
        await tx.update(operations).set({ result: { phase: 'applying', reconciled: result }, progressDone: 0, progressTotal: result.licensesToTell, updatedAt: new Date() }).where(eq(operations.id, operationId));
        await tx.delete(syncStaging).where(eq(syncStaging.operationId, operationId));
        return result;
      });
    },
  };
}

async function stagedRead(tx: Transaction, operationId: string): Promise<StagedRead> {
  const rows = await tx.select({ kind: syncStaging.kind, payload: syncStaging.payload }).from(syncStaging).where(eq(syncStaging.operationId, operationId));
  const read: StagedRead = { companies: [], licenses: [], gaps: new Map(), subscriptions: [] };
  for (const { kind, payload } of rows) {
    if (kind === 'company') read.companies.push(payload as UpstreamCompany);
    else if (kind === 'license') read.licenses.push(payload as UpstreamLicense);
    else if (kind === 'gap') read.gaps.set((payload as UpstreamGap).companyUpstreamId, payload as UpstreamGap);
    else read.subscriptions.push(payload as UpstreamSubscription);
  }
  return read;
}

/** One sync's changes, written as they are found; `counts.rowsWritten` counts every row of the record it touches. */
class Reconciliation {
  readonly counts: SyncCounts = noCounts();
  /** Upstream company id → the Tenure company and its current name. */
  private readonly companyOf = new Map<string, { id: string; name: string }>();
  /** Upstream company id → the upstream ids of the companies known under it before this sync. */
  private readonly knownChildrenOf = new Map<string, string[]>();

  constructor(
    private readonly tx: Transaction,
    private readonly source: SourceRow,
    private readonly operationId: string,
  ) {}

  /** New upstream companies join the tree, parents resolved among old and new alike (R22). */
  async companies(staged: UpstreamCompany[]): Promise<void> {
    const known = await this.tx
      .select({ row: sourceCompanies, name: companies.name })
      .from(sourceCompanies)
      .innerJoin(companies, eq(companies.id, sourceCompanies.companyId))
      .where(eq(sourceCompanies.sourceId, this.source.id));
    const knownById = new Map(known.map((entry) => [entry.row.upstreamId, entry]));
    for (const { row, name } of known) {
      this.companyOf.set(row.upstreamId, { id: row.companyId, name });
      if (row.parentUpstreamId === null) continue;
      const children = this.knownChildrenOf.get(row.parentUpstreamId) ?? [];
      children.push(row.upstreamId);
      this.knownChildrenOf.set(row.parentUpstreamId, children);
    }
    const fresh = staged.filter((company) => !knownById.has(company.upstreamId));
    for (const company of fresh) this.companyOf.set(company.upstreamId, { id: crypto.randomUUID(), name: company.name });
    const parentOf = (company: UpstreamCompany) => (company.parentUpstreamId ? (this.companyOf.get(company.parentUpstreamId)?.id ?? null) : null);
    await this.insert(companies, fresh.map((company) => ({
      id: this.companyOf.get(company.upstreamId)!.id,
      partnerId: this.source.partnerId,
      parentId: parentOf(company),
      name: company.name,
      noticeEmails: company.contactEmail ? [company.contactEmail] : [],
    })));
    await this.insert(sourceCompanies, fresh.map((company) => ({ ...this.companyLink(company), companyId: this.companyOf.get(company.upstreamId)!.id })));
    this.counts.companiesCreated += fresh.length;

    for (const company of staged) {
      const before = knownById.get(company.upstreamId);
      if (!before || sameFacts(companyFacts(before.row), companyFacts(company))) continue;
      await this.tx.update(sourceCompanies).set(this.companyLink(company)).where(and(eq(sourceCompanies.sourceId, this.source.id), eq(sourceCompanies.upstreamId, company.upstreamId)));
      this.counts.rowsWritten += 1;
      // A rename upstream renames the company, unless someone renamed it in Tenure since; tags stay (R8).
      if (before.row.name !== company.name && before.name === before.row.name) {
        await this.tx.update(companies).set({ name: company.name, updatedAt: new Date() }).where(eq(companies.id, before.row.companyId));
        this.counts.rowsWritten += 1;
        // Its license workflows show the new name in the Temporal UI (CompanyName) after the commit.
        const told = await this.tx
          .update(sourceLicenses)
          .set({ pending: sql`coalesce(${sourceLicenses.pending}, 'update')` })
          .where(and(eq(sourceLicenses.sourceId, this.source.id), eq(sourceLicenses.companyId, before.row.companyId)))
          .returning({ licenseId: sourceLicenses.licenseId });
        this.counts.rowsWritten += told.length;
      }
    }
  }

  /**
   * R23: below a company whose subtree the upstream would not list, the companies known from before
   * were not listed either. They are unread, not gone: each becomes a gap of its own, said as such.
   */
  withUnlistedBelow(gaps: Map<string, UpstreamGap>, listed: UpstreamCompany[]): Map<string, UpstreamGap> {
    const listedIds = new Set(listed.map((company) => company.upstreamId));
    const unread = new Map(gaps);
    for (const refused of [...gaps.values()].filter((gap) => gap.subtreeUnread)) {
      const detail = `not listed: the upstream refused to list the companies under ${this.companyOf.get(refused.companyUpstreamId)?.name ?? refused.companyUpstreamId}`;
      const below = [...(this.knownChildrenOf.get(refused.companyUpstreamId) ?? [])];
      for (let company = below.pop(); company !== undefined; company = below.pop()) {
        if (listedIds.has(company) || unread.has(company)) continue;
        unread.set(company, { companyUpstreamId: company, reason: refused.reason, detail });
        below.push(...(this.knownChildrenOf.get(company) ?? []));
      }
    }
    return unread;
  }

  async licenses(staged: UpstreamLicense[], gaps: Map<string, UpstreamGap>): Promise<void> {
    const known = await this.tx.select().from(sourceLicenses).where(eq(sourceLicenses.sourceId, this.source.id));
    const knownById = new Map(known.map((license) => [license.upstreamId, license]));
    const seen = new Set<string>();
    const fresh: UpstreamLicense[] = [];
    for (const license of staged) {
      // `error`: the vendor cannot tell; what was read before stands. `obsolete`: replaced upstream, so gone.
      if (license.upstreamState === 'obsolete' || !this.companyOf.has(license.companyUpstreamId)) continue;
      seen.add(license.upstreamId);
      const before = knownById.get(license.upstreamId);
      if (license.upstreamState === 'error') {
        if (before?.present) this.counts.licensesUnchanged += 1;
      } else if (!before) fresh.push(license);
      else if (before.present && sameFacts(before.facts, license)) this.counts.licensesUnchanged += 1;
      else await this.changed(before, license);
    }
    await this.created(fresh);
    for (const before of known) {
      if (!before.present || seen.has(before.upstreamId)) continue;
      // R23: a company whose licenses could not be read this time keeps them.
      if (gaps.has(before.facts.companyUpstreamId)) this.counts.licensesUnchanged += 1;
      else await this.gone(before);
    }
    this.reportUnread(gaps);
  }

  /** R23: what was kept unread is said, so a partner sees which companies to let the source read. */
  private reportUnread(gaps: Map<string, UpstreamGap>): void {
    this.counts.companiesUnread = gaps.size;
    this.counts.unreadCompanies = [...gaps.values()].slice(0, UNREAD_COMPANIES_SHOWN).map(({ companyUpstreamId, reason, detail }) => {
      const company = this.companyOf.get(companyUpstreamId);
      return { upstreamId: companyUpstreamId, companyId: company?.id ?? null, name: company?.name ?? null, reason, detail };
    });
  }

  async subscriptions(staged: UpstreamSubscription[]): Promise<void> {
    const known = await this.tx.select().from(sourceSubscriptions).where(eq(sourceSubscriptions.sourceId, this.source.id));
    const knownById = new Map(known.map((subscription) => [subscription.upstreamId, subscription]));
    const listed = new Set<string>();
    for (const subscription of staged) {
      const company = this.companyOf.get(subscription.companyUpstreamId);
      if (!company) continue;
      listed.add(subscription.upstreamId);
      const before = knownById.get(subscription.upstreamId);
      if (before && sameFacts(before.facts, subscription)) continue;
      const row = { sourceId: this.source.id, upstreamId: subscription.upstreamId, partnerId: this.source.partnerId, companyId: company.id, facts: subscription };
      await this.tx.insert(sourceSubscriptions).values(row).onConflictDoUpdate({ target: [sourceSubscriptions.sourceId, sourceSubscriptions.upstreamId], set: { companyId: company.id, facts: subscription } });
      this.counts.rowsWritten += 1;
    }
    const ended = known.filter((subscription) => !listed.has(subscription.upstreamId)).map((subscription) => subscription.upstreamId);
    if (ended.length === 0) return;
    await this.tx.delete(sourceSubscriptions).where(and(eq(sourceSubscriptions.sourceId, this.source.id), inArray(sourceSubscriptions.upstreamId, ended)));
    this.counts.rowsWritten += ended.length;
  }

  /** New licenses land in their pool as it is now (R6, R7), tagged with their company's name (R8); their workflows start after the commit. */
  private async created(fresh: UpstreamLicense[]): Promise<void> {
    if (fresh.length === 0) return;
    const placements = await this.pools(fresh);
    await this.insert(sourceLicenses, fresh.map((license) => {
      const company = this.companyOf.get(license.companyUpstreamId)!;
      const pool = placements.get(poolKeyOf(this.source, license))!;
      return {
        sourceId: this.source.id,
        upstreamId: license.upstreamId,
        partnerId: this.source.partnerId,
        licenseId: crypto.randomUUID(),
        companyId: company.id,
        poolId: pool,
        tag: company.name,
        accountType: accountTypeOf(this.source, license),
        facts: license,
        pending: 'start',
      };
    }));
    this.counts.licensesCreated += fresh.length;
  }

  /**
   * New facts for a known license: seats now; its workflow and accounts hear of a renewal (or a
   * return) and of new seats after the commit.
   */
  private async changed(before: KnownLicense, license: UpstreamLicense): Promise<void> {
    const renewed = !before.present || before.facts.expiresAt !== license.expiresAt;
    const resized = before.facts.seats !== license.seats || before.facts.seatsUsed !== license.seatsUsed;
    const pending = before.pending === 'start' ? 'start' : renewed || resized ? 'update' : before.pending;
    await this.tx.update(sourceLicenses).set({ facts: license, present: true, pending }).where(and(eq(sourceLicenses.sourceId, this.source.id), eq(sourceLicenses.upstreamId, license.upstreamId)));
    this.counts.rowsWritten += 1;
    this.counts.licensesUpdated += 1;
    if (!resized) return;
    const written = await this.tx
      .update(licenses)
      .set({ seats: seatsOf(license), seatsUsed: license.seatsUsed, updatedAt: new Date() })
      .where(eq(licenses.id, before.licenseId))
      .returning({ id: licenses.id });
    this.counts.rowsWritten += written.length;
    if (before.facts.seats !== license.seats && written.length > 0) {
      await this.audit(before, syncActions.resizedUpstream, { seats: before.facts.seats }, { seats: license.seats });
    }
  }

  /** Gone upstream: marked and audited; the license then follows its lifecycle (DESIGN §5). */
  private async gone(before: KnownLicense): Promise<void> {
    await this.tx
      .update(sourceLicenses)
      .set({ present: false, pending: before.pending === 'start' ? null : before.pending })
      .where(and(eq(sourceLicenses.sourceId, this.source.id), eq(sourceLicenses.upstreamId, before.upstreamId)));
    this.counts.rowsWritten += 1;
    this.counts.licensesRemoved += 1;
    if (before.pending !== 'start') await this.audit(before, syncActions.removedUpstream, { upstreamId: before.upstreamId }, { present: false });
  }

  private async audit(license: KnownLicense, action: string, before: Record<string, unknown>, after: Record<string, unknown>): Promise<void> {
    await this.tx
      .insert(auditLog)
      .values({
        partnerId: this.source.partnerId,
        subjectType: 'license',
        subjectId: license.licenseId,
        action,
        actor: sourceActor(this.source.id),
        before,
        after,
        at: new Date(),
        dedupeKey: `sync:${this.operationId}:${action}:${license.licenseId}`,
      })
      .onConflictDoNothing();
    this.counts.rowsWritten += 1;
  }

  /** The pool of each key the fresh licenses need, made the first time a key is seen (R6). */
  private async pools(fresh: UpstreamLicense[]): Promise<Map<string, string>> {
    const known = await this.tx.select().from(sourcePools).where(eq(sourcePools.sourceId, this.source.id));
    const placements = new Map(known.map((pool) => [pool.key, pool.poolId]));
    const needed = new Map<string, string>();
    for (const license of fresh) {
      const key = poolKeyOf(this.source, license);
      if (!placements.has(key) && !needed.has(key)) {
        const upstreamName = license.poolUpstreamId && key.startsWith('pool:') ? license.poolUpstreamId : this.companyOf.get(license.companyUpstreamId)!.name;
        needed.set(key, `${upstreamName} · ${this.source.name}`);
      }
    }
    if (needed.size === 0) return placements;
    const accessGroupId = await groupForNewPools(this.tx, this.source.partnerId);
    const made = [...needed].map(([key, name]) => ({ key, id: crypto.randomUUID(), name }));
    await this.insert(pools, made.map((pool) => ({ id: pool.id, partnerId: this.source.partnerId, name: pool.name, accessGroupId, sourceId: this.source.id })));
    await this.insert(sourcePools, made.map((pool) => ({ sourceId: this.source.id, key: pool.key, poolId: pool.id })));
    for (const pool of made) placements.set(pool.key, pool.id);
    return placements;
  }

  private companyLink(company: UpstreamCompany) {
    return {
      sourceId: this.source.id,
      upstreamId: company.upstreamId,
      partnerId: this.source.partnerId,
      parentUpstreamId: company.parentUpstreamId,
      name: company.name,
      consoleUrl: company.consoleUrl,
      contactEmail: company.contactEmail,
    };
  }

  private async insert<Table extends Parameters<Transaction['insert']>[0]>(table: Table, rows: Table['$inferInsert'][]): Promise<void> {
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      await this.tx.insert(table).values(rows.slice(start, start + ROWS_PER_INSERT));
    }
    this.counts.rowsWritten += rows.length;
  }
}

function companyFacts(company: Pick<UpstreamCompany, 'name' | 'parentUpstreamId' | 'consoleUrl' | 'contactEmail'>) {
  return { name: company.name, parentUpstreamId: company.parentUpstreamId, consoleUrl: company.consoleUrl, contactEmail: company.contactEmail };
}

/** R6 and R24: a business license (of a business source, or the business half of hybrid credentials) keeps its upstream pool; msp* licenses get one pool per company. */
function poolKeyOf(source: SourceRow, license: UpstreamLicense): string {
  const keepsUpstreamPool = license.poolUpstreamId !== null && (source.accountType === 'business' || source.hybrid);
  return keepsUpstreamPool ? `pool:${license.poolUpstreamId}` : `company:${license.companyUpstreamId}`;
}

/** R13 by source: the business half of hybrid credentials has the capabilities of a business account. */
function accountTypeOf(source: SourceRow, license: UpstreamLicense): string {
  return source.hybrid && license.poolUpstreamId !== null ? 'business' : source.accountType;
}


/** Where a source's new pools go: the group the partner chose for new pools, else a "Default" group made now. */
async function groupForNewPools(tx: Transaction, partnerId: string): Promise<string> {
  await tx.insert(accessGroups).values({ partnerId, name: 'Default', defaultForPools: true }).onConflictDoNothing();
  const [group] = await tx.select({ id: accessGroups.id }).from(accessGroups).where(and(eq(accessGroups.partnerId, partnerId), eq(accessGroups.defaultForPools, true)));
  return group!.id;
}

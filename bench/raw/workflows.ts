// The baseline: the least a Temporal workflow can do for the same job — record its
// start through one activity, wait on a timer, answer an update through one activity.
import { condition, defineUpdate, proxyActivities, proxyLocalActivities, proxySinks, setHandler, sleep, upsertSearchAttributes, type Sinks } from '@temporalio/workflow';
import { LicenseState } from '../../workflows/search-attributes.js';

/**
 * Tells the bench that a workflow's first task ran and it now sleeps (counted per workflow type),
 * and that an issued entity is recorded (as Tenure's lifecycle workflows tell their `opened`).
 */
export interface SleeperSinks extends Sinks {
  sleepers: { fellAsleep(): void; recorded(revision: number): void };
}

const { sleepers } = proxySinks<SleeperSinks>();

const { record } = proxyActivities<{ record(revision: number): Promise<number> }>({ startToCloseTimeout: '30s' });

export const renewRaw = defineUpdate<number, [number]>('renew');

export async function rawEntity(expiresInMs: number): Promise<void> {
  let revision = 0;
  let expiresAt = Date.now() + expiresInMs;
  setHandler(renewRaw, async (extensionMs) => {
    await condition(() => revision > 0);
    revision = await record(revision + 1);
    expiresAt += extensionMs;
    return revision;
  });
  revision = await record(1);
  while (!(await condition(() => false, expiresAt - Date.now()))) {
    if (Date.now() >= expiresAt) return;
  }
}

const { expire } = proxyActivities<{ expire(id: string): Promise<void> }>({ startToCloseTimeout: '1m', retry: { initialInterval: '1s' } });

/** P5's floor: sleep until the instant, then one activity that writes one row and sends one mail. */
export async function rawExpiry(id: string, at: number): Promise<void> {
  sleepers.fellAsleep();
  await sleep(Math.max(0, at - Date.now()));
  await expire(id);
}

const { expireAsDesigned } = proxyLocalActivities<{ expireAsDesigned(id: string): Promise<void> }>({ startToCloseTimeout: '1m', retry: { initialInterval: '1s' } });

/**
 * P5's floor as DESIGN asks an expiry: started with a license's facts and search attributes, asleep
 * until the instant, then one local activity writing one row and sending one mail, the `LicenseState`
 * search attribute set to grace, and asleep again until the next deadline, as a license is.
 */
export async function rawExpiryAsDesigned(id: string, at: number, nextDeadlineMs: number): Promise<void> {
  sleepers.fellAsleep();
  await sleep(Math.max(0, at - Date.now()));
  await expireAsDesigned(id);
  upsertSearchAttributes([{ key: LicenseState, value: 'grace' }]);
  await sleep(nextDeadlineMs);
}

/**
 * P6's raw entity: asleep in the worker's cache after its first task. A sink, not a local
 * activity, tells the bench: no marker in its history, the least a workflow can do to be counted
 * (10% more of them asleep per second than with a local activity, measured on 2,000).
 */
export async function rawSleeper(sleepMs: number): Promise<void> {
  sleepers.fellAsleep();
  await sleep(sleepMs);
}

const { recordIssue } = proxyLocalActivities<{ recordIssue(revision: number, entity?: RawEntityFacts): Promise<number> }>({ startToCloseTimeout: '30s' });

export const recordedRaw = defineUpdate<number>('recorded');

/** What P3's raw issue as DESIGN asks it starts with: a license's facts and policy, as much as Tenure's. */
export type RawEntityFacts = { id: string } & Record<string, unknown>;

/**
 * The floor of an issue that reads its own write: answered once one local activity has recorded
 * the entity (started eagerly on the bench's worker, which the sink tells; otherwise through the
 * Update, as Tenure's issue is), then asleep, as P3's licenses are.
 * Given the entity's facts, the activity writes them as a row where a read would find them.
 */
export async function rawIssued(expiresInMs: number, entity?: RawEntityFacts): Promise<void> {
  let revision = 0;
  setHandler(recordedRaw, async () => {
    await condition(() => revision > 0);
    return revision;
  });
  revision = await recordIssue(1, entity);
  sleepers.recorded(revision);
  await sleep(expiresInMs);
}

// What the billing and summary workflows start with and answer, the events they audit and
// the failures they raise: the contract workflows, activities and the API share (DESIGN §4).
import type { BillingLine } from './quantities.js';

export const billingWorkflowId = (companyId: string) => `billing:${companyId}`;
export const sendNowWorkflowId = (pushId: string) => `billing-send-now:${pushId}`;
export const summaryWorkflowId = (companyId: string) => `summary:${companyId}`;

/** Audit actions and webhook event types of billing (`billing.*`). */
export const billingEvents = {
  pushed: 'billing.pushed',
  failed: 'billing.failed',
  summarySent: 'billing.summary_sent',
  /** A period's summary could not be delivered (ConnectWise refused the ticket note, or a day of retries ran out). */
  summaryFailed: 'billing.summary_failed',
} as const;

/** ApplicationFailure types a caller can branch on. */
export const billingFailures = {
  /** No saved settings, or they are disabled (R27). */
  notConfigured: 'BillingNotConfigured',
  /** A quantity of 0 without allowZeroQuantity. */
  zeroQuantity: 'BillingZeroQuantityRefused',
  /** ConnectWise refused the keys or the API member's role. */
  connectWiseAuth: 'ConnectWiseAuthFailed',
  /** ConnectWise does not know the company, agreement or addition. */
  connectWiseNotFound: 'ConnectWiseNotFound',
  /** ConnectWise found the request invalid. */
  connectWiseRejected: 'ConnectWiseRejected',
  /** ConnectWise did not answer, or asked to come back later: a retry may help. */
  connectWiseUnavailable: 'ConnectWiseUnavailable',
  /**
   * ConnectWise asked to come back after longer than a caller should wait for an answer (a
   * Retry-After over `LONGEST_WAIT_FOR_A_CALLER_MS`): the schedule retries it; send now and the
   * lookups behind saving settings and listing agreements answer at once.
   */
  connectWiseUnavailableForLong: 'ConnectWiseUnavailableForLong',
} as const;

/**
 * The longest Retry-After an API caller waiting on ConnectWise (send now, saving a company's
 * settings, listing agreements) is kept waiting through; past it, the caller gets the 503 and the Retry-After.
 */
export const LONGEST_WAIT_FOR_A_CALLER_MS = 10_000;

/** Failures no retry can fix. */
export const permanentBillingFailures: string[] = [
  billingFailures.notConfigured,
  billingFailures.zeroQuantity,
  billingFailures.connectWiseAuth,
  billingFailures.connectWiseNotFound,
  billingFailures.connectWiseRejected,
];

export interface BillingScheduleInput {
  partnerId: string;
  companyId: string;
  /** The last period pushed by the schedule, carried across continue-as-new. */
  lastPushedPeriod?: string;
  /**
   * Added to workflow time when computing billing instants. Tests set it so that a billing
   * instant, which falls on a whole hour, comes within seconds; the API never sets it.
   */
  clockSkewMs?: number;
}

export type PushTrigger = 'scheduled' | 'send_now';

export interface BillingPushRequest {
  /** Names the push: its row, audit entry and webhook event, the same on every retry. */
  pushId: string;
  partnerId: string;
  companyId: string;
  trigger: PushTrigger;
  /** `YYYY-MM`: the billing period; a scheduled push happens once per (company, period). */
  period: string;
  actor: string;
  /** Send now: exactly what the caller's preview showed. Absent: counted when the push first runs. */
  lines?: BillingLine[];
}

export type PushStatus = 'pushed' | 'failed';

/**
 * Whether ConnectWise holds a line's quantity: a push that fails midway has set the lines
 * before the one refused, and a PATCH cannot be taken back, so the record says which.
 */
export type PushLineStatus = 'pushed' | 'not_pushed';

export interface BillingPushLine extends BillingLine {
  status: PushLineStatus;
}

/** The push's lines with what ConnectWise confirmed of each, from the additions the push recorded as done. */
export function pushLinesOf(lines: readonly BillingLine[], additionsDone: readonly number[]): BillingPushLine[] {
  const done = new Set(additionsDone);
  return lines.map((line) => ({ ...line, status: done.has(line.additionId) ? 'pushed' : 'not_pushed' }));
}

export interface BillingPushOutcome {
  pushId: string;
  status: PushStatus;
  period: string;
  lines: BillingPushLine[];
  error: string | null;
  /** The failure type when it failed, one of billingFailures. */
  errorType: string | null;
  /** When ConnectWise was unavailable and said when to come back (a 429's or 503's Retry-After), in ms. */
  retryAfterMs: number | null;
  at: string;
  /** Deliveries written with the audit entry; the workflow starts them. */
  webhookDeliveryIds: string[];
}

/** The details of every ConnectWise failure: Temporal does not carry nextRetryDelay to the workflow, nor to the API waiting on it. */
export interface ConnectWiseFailureDetails {
  retryAfterMs: number | null;
}

/** The wait an unavailable ConnectWise asked for, read from its failure's details; null for any other failure. */
export function retryAfterMsOf(failure: { type?: string | null; details?: unknown[] | null }): number | null {
  if (failure.type !== billingFailures.connectWiseUnavailable && failure.type !== billingFailures.connectWiseUnavailableForLong) return null;
  const [details] = (failure.details ?? []) as (ConnectWiseFailureDetails | undefined)[];
  return details?.retryAfterMs ?? null;
}

/** What the billing workflow shows of itself in a query and in the Temporal UI. */
export interface BillingScheduleView {
  enabled: boolean;
  nextBillingDate: { period: string; at: string } | null;
  lastPush: { period: string; status: PushStatus; at: string } | null;
}

export interface SummaryScheduleInput {
  partnerId: string;
  companyId: string;
  /** As for billing: tests only. */
  clockSkewMs?: number;
}

/** A ConnectWise company looked up by identifier, for the "Verify" and "Configure" of seed 001. */
export interface ConnectWiseLookupRequest {
  partnerId: string;
  identifier: string;
}

export interface ListedAgreement {
  id: number;
  name: string;
  type: string | null;
  additions: { id: number; product: string; quantity: number; description: string | null }[];
}

export interface ConnectWiseLookup {
  /** Null when ConnectWise has no company with that identifier. */
  company: { id: number; identifier: string; name: string } | null;
  agreements: ListedAgreement[];
}

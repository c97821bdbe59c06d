// The usage report as CSV (R29): the same lines as the JSON answer, one record per company
// and product, a header row first, RFC 4180 quoting, UTF-8, CRLF line ends.
//
// Columns, in this order:
//   company_id                 the company's id
//   company_name               the company's name (quoted when it holds a comma, quote or line break)
//   product                    the product code; empty for a company with no license or account yet
//   licenses                   licenses that are not deleted
//   owner_partner              of which the partner's own (the MSP's license used by the company)
//   owner_customer             of which the company's own
//   term_annual                of which annual
//   term_monthly               of which monthly (usage-billed)
//   term_trial                 of which trial
//   state_trial                licenses in trial
//   state_active               licenses active
//   state_grace                licenses in grace (expired, still protecting)
//   state_suspended            licenses suspended (nothing protected)
//   seats_licensed             seats of those licenses
//   seats_used                 seats protecting a device or user
//   accounts                   accounts of the product that are not deleted
//   accounts_grace             of which in grace
//   accounts_suspended         of which suspended
//   next_deadline_event        the earliest thing that will happen, e.g. expiry.reached, grace.ended
//   next_deadline_at           when, RFC 3339 UTC
//   next_deadline_subject      license or account
//   next_deadline_subject_id   the id of that license or account
//   warnings                   warning codes separated by ';': protection_not_installed, accounts_in_grace, accounts_suspended
import { csvRecord, type CsvField } from '../csv.js';
import type { StreamFormat } from '../streaming.js';
import type { UsageLine } from './line.js';

const columns: [name: string, value: (line: UsageLine) => CsvField][] = [
  ['company_id', (line) => line.companyId],
  ['company_name', (line) => line.companyName],
  ['product', (line) => line.product],
  ['licenses', (line) => line.licenses],
  ['owner_partner', (line) => line.owner.partner],
  ['owner_customer', (line) => line.owner.customer],
  ['term_annual', (line) => line.term.annual],
  ['term_monthly', (line) => line.term.monthly],
  ['term_trial', (line) => line.term.trial],
  ['state_trial', (line) => line.state.trial],
  ['state_active', (line) => line.state.active],
  ['state_grace', (line) => line.state.grace],
  ['state_suspended', (line) => line.state.suspended],
  ['seats_licensed', (line) => line.seatsLicensed],
  ['seats_used', (line) => line.seatsUsed],
  ['accounts', (line) => line.accounts.total],
  ['accounts_grace', (line) => line.accounts.grace],
  ['accounts_suspended', (line) => line.accounts.suspended],
  ['next_deadline_event', (line) => line.nextDeadline?.event ?? null],
  ['next_deadline_at', (line) => line.nextDeadline?.at ?? null],
  ['next_deadline_subject', (line) => line.nextDeadline?.subject ?? null],
  ['next_deadline_subject_id', (line) => line.nextDeadline?.subjectId ?? null],
  ['warnings', (line) => line.warnings.map((warning) => warning.code).join(';')],
];

export const usageCsvColumns = columns.map(([name]) => name);

export const usageCsvFormat: StreamFormat<UsageLine> = {
  contentType: 'text/csv; charset=utf-8; header=present',
  head: csvRecord(usageCsvColumns),
  encode: (line) => csvRecord(columns.map(([, value]) => value(line))),
  tail: '',
};

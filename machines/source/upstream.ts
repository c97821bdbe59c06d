// The facts a connector reads from an upstream vendor account (DESIGN §5), in Tenure's words
// whatever the vendor: the API validates sources with these names, connectors produce these
// shapes, and the sync reconciles them. Pure data: no I/O, no imports.

/** The connectors Tenure speaks; a source's `vendor`. */
export const vendors = ['eset_ema2', 'sophos_partner', 'json_feed'] as const;
export type Vendor = (typeof vendors)[number];

/**
 * Upstream account types a source may import: the same set as the capability table's account
 * types (R13), so a license keeps its source's capabilities.
 */
export const importableAccountTypes = ['msp', 'managed_msp', 'msp_manager', 'business', 'lmp', 'clp'] as const;
export type SourceAccountType = (typeof importableAccountTypes)[number];

/** R3: a distributor account sells to MSPs and holds no companies of its own; it cannot be imported. */
export const refusedAccountTypes = ['distributor'] as const;

/** Where each vendor's API lives when a source names no `baseUrl`. */
export const defaultBaseUrls = {
  eset_ema2: 'https://mspapi.eset.com/api',
  sophos_partner: 'https://api.central.sophos.com',
  // A feed is whatever document the MSP publishes: there is no public default.
  json_feed: null,
} as const satisfies Record<Vendor, string | null>;

/** What a source's `credentials` hold, per vendor. Never logged, never returned by the API. */
export interface EsetEma2Credentials {
  username: string;
  password: string;
}
export interface SophosPartnerCredentials {
  clientId: string;
  clientSecret: string;
}
export interface JsonFeedCredentials {
  /** Sent as `Authorization: Bearer <token>` when the feed is not public. */
  bearerToken?: string;
}
export type SourceConnection =
  | { vendor: 'eset_ema2'; baseUrl: string; credentials: EsetEma2Credentials }
  | { vendor: 'sophos_partner'; baseUrl: string; credentials: SophosPartnerCredentials }
  | { vendor: 'json_feed'; baseUrl: string; credentials: JsonFeedCredentials };

/** A customer of the partner upstream (ESET company, Sophos tenant); companies form a tree. */
export interface UpstreamCompany {
  upstreamId: string;
  name: string;
  /** The company above it upstream; null at the top of what the source reads (the partner itself is not a company). */
  parentUpstreamId: string | null;
  /** The vendor console where an admin opens this company (seed 000 "Ouvrir la console", seed 003). */
  consoleUrl: string | null;
  contactEmail: string | null;
}

export type LicenseTerm = 'annual' | 'monthly' | 'trial';

/** Whose license it is (seed 003): the MSP's own, used by the company, or the company's own. */
export type LicenseOwner = 'partner' | 'customer';

/**
 * The license's standing upstream, beside its dates (the machine derives expiry from `expiresAt`):
 * - `normal`: in force;
 * - `warning`: in force, but the vendor flags it (near expiry, over-used);
 * - `suspended`: suspended upstream, not protecting;
 * - `obsolete`: superseded upstream (replaced by an upgrade or a renewal key): treat as gone;
 * - `error`: the vendor cannot tell; keep the facts read before and change nothing.
 */
export type UpstreamLicenseState = 'normal' | 'warning' | 'suspended' | 'obsolete' | 'error';

export interface UpstreamLicense {
  /** The vendor's key for the license (ESET public license key, Sophos license id). */
  upstreamId: string;
  companyUpstreamId: string;
  /** Product code, as the vendor names it. */
  product: string;
  productName: string;
  /** Seats licensed; null when the vendor sells it unlimited. */
  seats: number | null;
  seatsUsed: number;
  term: LicenseTerm;
  /** Milliseconds since the epoch; null when the license has no end (perpetual). */
  expiresAt: number | null;
  upstreamState: UpstreamLicenseState;
  owner: LicenseOwner;
  /** R6: the upstream pool of a `business` license; null where the vendor has none (msp* sources get one pool per company). */
  poolUpstreamId: string | null;
}

/** A customer's order as the vendor shows it (M27: `GET /v1/companies/:id/subscriptions`). */
export interface UpstreamSubscription {
  upstreamId: string;
  companyUpstreamId: string;
  product: string;
  productName: string;
  quantity: number;
  term: LicenseTerm;
  /** Milliseconds since the epoch. */
  startsAt: number;
  endsAt: number | null;
  status: string;
}

/**
 * A company whose licenses the source could not read this time. The sync must not take its
 * licenses for gone (R23: an upstream failure is never data loss).
 * - `access_denied`: the vendor refuses (Sophos: partner assistance is off for the tenant; ESET: NoAccess);
 * - `company_gone`: the vendor removed the company after it was listed; the next sync no longer lists it.
 */
export interface UpstreamGap {
  companyUpstreamId: string;
  reason: 'access_denied' | 'company_gone';
  detail: string;
  /**
   * The companies below it could not be listed either (ESET: Company/Children refused), so those
   * known from before are unread too, not gone.
   */
  subtreeUnread?: boolean;
}

/**
 * Failure type names a connector raises and a workflow's retry policy branches on.
 * `UpstreamUnavailable` (maintenance, 5xx, rate limit, unreachable) is worth retrying with backoff;
 * `UpstreamAuthFailed` is too during a sync (seed 000: a vendor in maintenance answers with an
 * authentication error), but answers 422 when a source is verified; `UpstreamNoCompanies` (R4)
 * no retry can fix.
 */
export const upstreamFailureTypes = {
  unavailable: 'UpstreamUnavailable',
  authFailed: 'UpstreamAuthFailed',
  noCompanies: 'UpstreamNoCompanies',
} as const;
export type UpstreamFailureType = (typeof upstreamFailureTypes)[keyof typeof upstreamFailureTypes];

/** Why an upstream is unavailable, shown on the source as `upstream_unavailable` with this reason. */
export type UnavailableReason = 'maintenance' | 'server_error' | 'rate_limited' | 'unreachable' | 'invalid_response';

/**
 * ESET MSP Administrator 2 license states, as its `License/Detail` numbers them (DESIGN §5). State 0
 * is named "Error", but ESET's help says what it is: more seats activated than the license
 * authorises (help.eset.com/ema/2/en-US/add-or-manage-licenses.html). An over-used license is in
 * force, and flagged.
 */
const esetLicenseStates: Readonly<Record<number, UpstreamLicenseState>> = {
  0: 'warning',
  1: 'normal',
  2: 'obsolete',
  3: 'suspended',
  4: 'warning',
};

/** An ESET state number in Tenure's words; a number ESET adds later reads as `error`: change nothing on what we cannot tell. */
export function upstreamStateFromEset(state: number): UpstreamLicenseState {
  return esetLicenseStates[state] ?? 'error';
}

// Keeps webhook deliveries (and any other request a caller aims) off Tenure's own network:
// a URL may only reach a public unicast address, never this machine, its database, a private
// network or a cloud metadata service (SSRF). Checked twice: by syntax when a subscription is
// made (no DNS, so the API answers fast) and after DNS resolution at every delivery, because a
// name can be pointed at a private address after it was accepted.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface TargetPolicyOptions {
  /** Production: plain http would expose the signed events to anyone on the path. */
  requireHttps: boolean;
  /**
   * Exceptions for local development and tests: addresses or CIDRs (`127.0.0.1`, `10.0.0.0/8`,
   * `::1`) and host names (`localhost`, `hooks.internal`); a listed name may resolve anywhere.
   */
  allow?: readonly string[];
  /** The machine's own addresses; by default its network interfaces' at the time of each check. */
  ownAddresses?: () => readonly string[];
}

export interface TargetPolicy {
  readonly requireHttps: boolean;
  readonly allowedRanges: readonly [Address, number][];
  readonly allowedNames: ReadonlySet<string>;
  readonly ownAddresses: () => readonly string[];
}

export type RefusalCode = 'invalid_url' | 'scheme' | 'https_required' | 'local_name' | 'forbidden_address' | 'unresolvable';

/** Why a target is refused, in words a subscriber can act on; `unresolvable` may pass later (DNS outage). */
export interface TargetRefusal {
  ok: false;
  code: RefusalCode;
  reason: string;
}

export type TargetCheck = { ok: true; url: URL } | TargetRefusal;

/** Where to connect: `address` is the one vetted; connect there, never to a fresh lookup of `url`. */
export interface SafeTarget {
  ok: true;
  url: URL;
  hostname: string;
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

/** getaddrinfo, as the HTTP client would resolve it (hosts file included), every address. */
const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** Names that only ever mean this machine or the local network (RFC 6761, 6762, 8375; cloud-internal zones). */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'localdomain', 'lan', 'intranet'];
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** For a process given no policy: public https targets only, no exceptions. */
export const strictestTargetPolicy = (): TargetPolicy => targetPolicy({ requireHttps: true });

/** Throws, naming the entry, when an allow-list entry is neither an address, a CIDR nor a host name. */
export function targetPolicy(options: TargetPolicyOptions): TargetPolicy {
  const allowedRanges: [Address, number][] = [];
  const allowedNames = new Set<string>();
  for (const raw of options.allow ?? []) {
    const entry = raw.trim().toLowerCase();
    if (ipaddr.isValidCIDR(entry)) allowedRanges.push(normalizedRange(ipaddr.parseCIDR(entry)));
    else if (isIP(entry)) allowedRanges.push(normalizedRange([ipaddr.parse(entry), isIP(entry) === 4 ? 32 : 128]));
    else if (HOST_NAME.test(withoutTrailingDot(entry))) allowedNames.add(withoutTrailingDot(entry));
    else throw new Error(`webhook allow-list entry "${raw}" is neither an address, a CIDR nor a host name`);
  }
  return { requireHttps: options.requireHttps, allowedRanges, allowedNames, ownAddresses: options.ownAddresses ?? interfaceAddresses };
}

/**
 * What can be known without DNS: the scheme, literal addresses in any spelling (the URL parser
 * turns `2130706433` and `0x7f.1` into `127.0.0.1`), and names that can only be local.
 */
export function checkTargetSyntax(url: string, policy: TargetPolicy): TargetCheck {
  if (!URL.canParse(url)) return refuse('invalid_url', 'is not a valid absolute URL');
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return refuse('scheme', `must use https${policy.requireHttps ? '' : ' or http'}, not ${parsed.protocol.slice(0, -1)}`);
  }
  if (policy.requireHttps && parsed.protocol === 'http:') return refuse('https_required', 'must use https: signed events are not sent in clear');
  const host = hostOf(parsed);
  if (policy.allowedNames.has(host)) return { ok: true, url: parsed };
  if (isIP(host)) {
    const refusal = addressRefusal(host, policy);
    return refusal ? refuse('forbidden_address', `points at ${host}, ${refusal}`) : { ok: true, url: parsed };
  }
  if (!host.includes('.') || LOCAL_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`))) {
    return refuse('local_name', `names ${host}, a host of the local network; use a public host name`);
  }
  return { ok: true, url: parsed };
}

/**
 * The address to deliver to, after resolving the host and refusing it if any of its addresses
 * is forbidden. To close the window between this check and the connection (DNS rebinding),
 * the caller must connect to `address` and not resolve the name again: with node:http(s) pass
 * `lookup: pinnedLookup(target)` (see pinned-lookup.ts) in the request options or its Agent.
 * That keeps the URL's host name for the Host header, TLS SNI and certificate checks, which
 * rewriting the URL to the address would break. Follow no redirects: a redirect is a new,
 * unchecked target.
 */
export async function resolveSafeTarget(url: string, policy: TargetPolicy, resolve: Resolver = systemResolver): Promise<SafeTarget | TargetRefusal> {
  const syntax = checkTargetSyntax(url, policy);
  if (!syntax.ok) return syntax;
  const hostname = hostOf(syntax.url);
  const family = isIP(hostname);
  if (family === 4 || family === 6) return { ok: true, url: syntax.url, hostname, address: hostname, family };

  let addresses: readonly { address: string; family: number }[];
  try {
    addresses = await resolve(hostname);
  } catch (error) {
    return refuse('unresolvable', `names ${hostname}, which does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`);
  }
  const [first] = addresses;
  if (!first) return refuse('unresolvable', `names ${hostname}, which has no address`);
  if (!policy.allowedNames.has(hostname)) {
    for (const { address } of addresses) {
      const refusal = addressRefusal(address, policy);
      if (refusal) return refuse('forbidden_address', `names ${hostname}, which resolves to ${address}, ${refusal}`);
    }
  }
  return { ok: true, url: syntax.url, hostname, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** Why this address may not be reached, or undefined when it may. */
function addressRefusal(text: string, policy: TargetPolicy): string | undefined {
  // ::ffff:127.0.0.1 reaches 127.0.0.1: judge the IPv4 address it carries.
  const address = ipaddr.process(text);
  if (policy.allowedRanges.some((range) => address.kind() === range[0].kind() && address.match(range))) return undefined;
  const range = address.range();
  if (range !== 'unicast') return RANGE_REASONS[range] ?? `a reserved address (${range})`;
  if (policy.ownAddresses().some((own) => ipaddr.process(own).toNormalizedString() === address.toNormalizedString())) {
    return "one of this machine's own addresses";
  }
  return undefined;
}

/** Deny by default: every range but public unicast is refused; these are the ones worth explaining. */
const RANGE_REASONS: Record<string, string> = {
  loopback: 'a loopback address (this machine)',
  unspecified: 'the unspecified address, which reaches this machine',
  private: 'a private network address',
  uniqueLocal: 'a private network address',
  linkLocal: 'a link-local address (where cloud metadata services answer)',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
};

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address));
}

/** The URL's host without IPv6 brackets or a trailing dot, lower case. */
function hostOf(url: URL): string {
  return withoutTrailingDot(url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase());
}

function withoutTrailingDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

function normalizedRange([address, bits]: [Address, number]): [Address, number] {
  // An allow-list entry written as ::ffff:127.0.0.1 must match the IPv4 address it names.
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96
    ? [(address as ipaddr.IPv6).toIPv4Address(), bits - 96]
    : [address, bits];
}

function refuse(code: RefusalCode, reason: string): TargetRefusal {
  return { ok: false, code, reason };
}

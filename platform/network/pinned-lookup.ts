// Makes node:http(s) connect to the address resolveSafeTarget vetted, so a DNS answer that
// changes between the check and the connection (DNS rebinding) cannot redirect a delivery.
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { SafeTarget } from './address-guard.js';

/** For the `lookup` option of http.request / https.request or their Agent. */
export function pinnedLookup(target: Pick<SafeTarget, 'hostname' | 'address' | 'family'>): LookupFunction {
  return (hostname, options, callback) => {
    if (hostname.toLowerCase().replace(/\.$/, '') !== target.hostname) {
      callback(Object.assign(new Error(`refusing to connect to ${hostname}: only ${target.hostname} was checked`), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily).
    if (options.all) callback(null, [{ address: target.address, family: target.family }] satisfies LookupAddress[]);
    else callback(null, target.address, target.family);
  };
}

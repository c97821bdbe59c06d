// The quantities a push sets, per mapped product: computed here, from licenses as the read
// model has them, so the preview and the push cannot count differently.
import { protectingLicenseStates } from '../lifecycle/states.js';
import type { CompanyBillingSettings } from './settings.js';

/** What billing needs to know of one license of the company. */
export interface BillableLicense {
  product: string;
  seats: number;
  seatsUsed: number;
  state: string;
}

/** One addition's quantity, and what it was counted from. */
export interface BillingLine {
  product: string;
  agreementId: number;
  additionId: number;
  quantity: number;
  /** How many licenses were counted: those that protect (R11), of the mapped product. */
  licensesCounted: number;
}

const protecting: ReadonlySet<string> = new Set(protectingLicenseStates);

/**
 * One line per mapping of an included product: the sum of seats licensed (or used) of the
 * company's licenses of that product that protect. A suspended or deleted license is not billed.
 */
export function billingLines(licenses: readonly BillableLicense[], settings: Pick<CompanyBillingSettings, 'mappings' | 'productsIncluded' | 'quantityBasis'>): BillingLine[] {
  const included = new Set(settings.productsIncluded);
  return settings.mappings
    .filter((mapping) => included.has(mapping.product))
    .map((mapping) => {
      const counted = licenses.filter((license) => license.product === mapping.product && protecting.has(license.state));
      const quantity = counted.reduce((sum, license) => sum + (settings.quantityBasis === 'seats_used' ? license.seatsUsed : license.seats), 0);
      return { ...mapping, quantity, licensesCounted: counted.length };
    });
}

/** The lines a push may not send unless zero quantities are allowed. */
export function zeroQuantityLines(lines: readonly BillingLine[]): BillingLine[] {
  return lines.filter((line) => line.quantity === 0);
}

/** A short, stable digest of what a push would send, so "send now" can insist on what the preview showed. */
export function linesFingerprint(lines: readonly BillingLine[]): string {
  const text = lines.map((line) => `${line.agreementId}/${line.additionId}=${line.quantity}`).sort().join(',');
  // FNV-1a: no crypto module in machines/, and this guards against a stale preview, not an attacker.
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

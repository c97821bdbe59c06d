// A product is named by a code (`endpoint-protection`): the same code in licenses, accounts,
// per-product policies and usage, whether a caller typed it or a vendor's API named it.
export const PRODUCT_CODE = /^[a-z0-9][a-z0-9._-]*$/;
export const PRODUCT_CODE_RULE = 'must be a product code: lowercase letters, digits, . _ -';

/**
 * A vendor's product code in Tenure's form, so a synced license and an account typed by a caller
 * meet in one license group (R9): ESET's `EPS` becomes `eps`, Sophos' `endpointProtection`
 * becomes `endpointprotection`, anything else outside the form becomes `-`.
 */
export function productCodeOf(vendorCode: string): string {
  const code = vendorCode.trim().toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 100);
  return code || 'unknown';
}

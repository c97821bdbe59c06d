// What the source routes accept. Credentials are checked per vendor, so a caller hears which
// field its vendor needs (`credentials.password`), never whether a secret was right.
import { z } from 'zod';
import { importableAccountTypes, refusedAccountTypes, type Vendor } from '../../machines/source/upstream.js';

const secret = z.string().min(1).max(1000);

const credentialsByVendor = {
  eset_ema2: z.object({ username: secret, password: secret }).strict(),
  sophos_partner: z.object({ clientId: secret, clientSecret: secret }).strict(),
  json_feed: z.object({ bearerToken: secret.optional() }).strict(),
} as const satisfies Record<Vendor, z.ZodType>;

const sourceFields = {
  name: z.string().trim().min(1).max(200),
  accountType: z.enum([...importableAccountTypes, ...refusedAccountTypes]).describe('`distributor` is refused (R3)'),
  hybrid: z.boolean().default(false).describe('R24: the same credentials also hold a business account; its licenses keep their upstream pools'),
};
const baseUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const vendorApiUrl = baseUrl.optional().describe("The vendor API's base URL; the vendor's public one by default");

/** One shape per vendor (a vendor added upstream fails to compile above until it has its credentials), so the document says which credentials each takes and that a feed needs its URL. */
export const createSource = z.discriminatedUnion('vendor', [
  z.object({ ...sourceFields, vendor: z.literal('eset_ema2'), baseUrl: vendorApiUrl, credentials: credentialsByVendor.eset_ema2.describe('Never returned') }).strict(),
  z.object({ ...sourceFields, vendor: z.literal('sophos_partner'), baseUrl: vendorApiUrl, credentials: credentialsByVendor.sophos_partner.describe('Never returned') }).strict(),
  z.object({ ...sourceFields, vendor: z.literal('json_feed'), baseUrl: baseUrl.describe("The feed's URL"), credentials: credentialsByVendor.json_feed.describe('Never returned') }).strict(),
]);

export const listSyncs = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }).strict();

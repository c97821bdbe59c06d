// What the source routes accept. Credentials are checked per vendor, so a caller hears which
// field its vendor needs (`credentials.password`), never whether a secret was right.
import { z } from 'zod';
import { importableAccountTypes, refusedAccountTypes, vendors } from '../../machines/source/upstream.js';

export const createSource = z
  .object({
    name: z.string().trim().min(1).max(200),
    vendor: z.enum(vendors),
    accountType: z.enum([...importableAccountTypes, ...refusedAccountTypes]).describe('`distributor` is refused (R3)'),
    baseUrl: z.url({ protocol: /^https?$/ }).optional().describe("The vendor API's base URL; the vendor's public one by default (required for `json_feed`)"),
    hybrid: z.boolean().default(false).describe('R24: the same credentials also hold a business account; its licenses keep their upstream pools'),
    credentials: z.record(z.string(), z.unknown()).describe('Per vendor: `{username, password}` (eset_ema2), `{clientId, clientSecret}` (sophos_partner), `{bearerToken?}` (json_feed). Never returned.'),
  })
  .strict();

const secret = z.string().min(1).max(1000);

export const credentialsByVendor = {
  eset_ema2: z.object({ username: secret, password: secret }).strict(),
  sophos_partner: z.object({ clientId: secret, clientSecret: secret }).strict(),
  json_feed: z.object({ bearerToken: secret.optional() }).strict(),
} as const;

export const listSyncs = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }).strict();

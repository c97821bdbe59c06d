// What callers may send to set up ConnectWise billing and periodic summaries (DESIGN §6, seed 001).
import { z } from 'zod';
import { quantityBases, settingsModes } from '../../machines/billing/settings.js';
import { summaryFrequencies } from '../../machines/billing/summary-dates.js';
import { timeZone } from '../schemas.js';

const billingDay = z.number().int().min(1).max(31).describe('Day of the month, 1–31; a month without that day bills on its last day (R26)');
const hour = z.number().int().min(0).max(23).describe("Hour on the partner's wall clock, 0–23");
/**
 * What ConnectWise sends in headers (the clientId) or in Basic credentials: visible ASCII, as
 * its keys, company ids and clientId GUIDs are. A placeholder such as "…" is refused here, not
 * found out by the first call to ConnectWise.
 */
const headerSafe = (field: z.ZodString) => field.regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters without spaces, as ConnectWise issues it');
const secret = headerSafe(z.string().trim().min(1).max(200));
const connectWiseId = z.number().int().positive();

export const partnerConnectWiseSettings = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL, e.g. https://na.myconnectwise.net/v4_6_release/apis/3.0' }),
    company: headerSafe(z.string().trim().min(1).max(100)).describe('The ConnectWise company id the API member logs in to'),
    publicKey: secret.optional().describe('Required the first time; left out, the saved key is kept'),
    privateKey: secret.optional().describe('Required the first time; left out, the saved key is kept. Never returned.'),
    clientId: headerSafe(z.string().trim().min(1).max(100)).describe('The clientId ConnectWise gave the integration (a GUID)'),
    billingDay,
    billingHour: hour,
    timeZone: timeZone.describe("The partner's IANA time zone: billing instants are on its wall clock"),
  })
  .strict();

const mapping = z
  .object({ product: z.string().trim().min(1).max(200), agreementId: connectWiseId, additionId: connectWiseId })
  .strict()
  .describe('A product billed on an agreement addition, chosen from GET …/connectwise/agreements');

export const companyConnectWiseSettings = z
  .object({
    enabled: z.boolean(),
    identifier: z.string().trim().min(1).max(100).describe('The ConnectWise company identifier; verified against ConnectWise on save'),
    settings: z.enum(settingsModes).default('general').describe('general: the partner-wide billing day and hour; custom: the ones below'),
    billingDay: billingDay.optional(),
    billingHour: hour.optional(),
    quantityBasis: z.enum(quantityBases).default('seats_licensed'),
    mappings: z.array(mapping).max(100).default([]),
    productsIncluded: z.array(z.string().trim().min(1).max(200)).max(100).default([]),
    allowZeroQuantity: z.boolean().default(false).describe('A push that would set a quantity to 0 is refused unless this is true'),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.settings === 'custom' && body.billingDay === undefined) {
      ctx.addIssue({ code: 'custom', path: ['billingDay'], message: 'is required with custom settings' });
    }
    const mapped = new Set(body.mappings.map((line) => line.product));
    body.productsIncluded.forEach((product, index) => {
      if (!mapped.has(product)) ctx.addIssue({ code: 'custom', path: ['productsIncluded', index], message: `"${product}" has no mapping to an agreement addition` });
    });
    const seen = new Set<string>();
    // One addition holds one quantity: two products on it would each overwrite the other's count.
    const productOfAddition = new Map<string, string>();
    body.mappings.forEach((line, index) => {
      if (seen.has(line.product)) ctx.addIssue({ code: 'custom', path: ['mappings', index, 'product'], message: 'is mapped twice' });
      seen.add(line.product);
      const addition = `${String(line.agreementId)}/${String(line.additionId)}`;
      const mappedProduct = productOfAddition.get(addition);
      if (mappedProduct !== undefined && mappedProduct !== line.product) {
        ctx.addIssue({ code: 'custom', path: ['mappings', index, 'additionId'], message: `is already mapped to "${mappedProduct}"; map each product to an addition of its own` });
      }
      if (mappedProduct === undefined) productOfAddition.set(addition, line.product);
    });
  });

export const listAgreementsQuery = z
  .object({ identifier: z.string().trim().min(1).max(100).optional().describe('Defaults to the saved identifier') })
  .strict();

export const sendNow = z
  .object({
    fingerprint: z.string().regex(/^[0-9a-f]{8}$/).optional().describe("The preview's fingerprint: the push is refused (409) if the quantities changed since"),
  })
  .strict();

export const summarySettingsBody = z
  .object({
    frequency: z.enum(summaryFrequencies).nullable().describe('daily, weekly (Mondays) or monthly (the 1st); null: no summary'),
    hour: hour.default(8),
  })
  .strict();

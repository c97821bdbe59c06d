// What the billing routes answer.
import { z } from 'zod';
import { id, listOf, timestamp } from '../common-responses.js';

const period = z.string().describe('Billing period, YYYY-MM');
const billingDate = z.object({ period, at: timestamp }).meta({ id: 'BillingDate' });
const line = z
  .object({
    product: z.string(),
    agreementId: z.number().int(),
    additionId: z.number().int(),
    quantity: z.number().int(),
    licensesCounted: z.number().int().describe('Licenses of the product that protect now, counted into the quantity'),
  })
  .meta({ id: 'BillingLine' });

const pushLine = line
  .extend({
    status: z
      .enum(['pushed', 'not_pushed'])
      .describe('pushed: ConnectWise confirmed this quantity (it stays set even when a later line failed); not_pushed: ConnectWise does not have it'),
  })
  .meta({ id: 'BillingPushLine' });

export const partnerConnectWiseResponse = z
  .object({
    baseUrl: z.string(),
    company: z.string(),
    clientId: z.string(),
    publicKeySet: z.boolean(),
    privateKeySet: z.boolean(),
    billingDay: z.number().int(),
    billingHour: z.number().int(),
    timeZone: z.string(),
    updatedAt: timestamp,
  })
  .meta({ id: 'PartnerConnectWiseSettings' });

const pushSummary = z.object({ period, status: z.enum(['pending', 'pushed', 'failed']), at: timestamp });

export const companyConnectWiseResponse = z
  .object({
    companyId: id,
    enabled: z.boolean(),
    identifier: z.string(),
    connectWiseCompanyId: z.number().int(),
    settings: z.enum(['general', 'custom']),
    billingDay: z.number().int().nullable(),
    billingHour: z.number().int().nullable(),
    quantityBasis: z.enum(['seats_licensed', 'seats_used']),
    mappings: z.array(z.object({ product: z.string(), agreementId: z.number().int(), additionId: z.number().int() })),
    productsIncluded: z.array(z.string()),
    allowZeroQuantity: z.boolean(),
    schedule: z.object({ day: z.number().int(), hour: z.number().int(), timeZone: z.string() }).describe('The billing day and hour in effect'),
    nextBillingDate: billingDate.nullable().describe('Null while disabled'),
    lastScheduledPush: pushSummary.nullable(),
    updatedAt: timestamp,
  })
  .meta({ id: 'CompanyConnectWiseSettings' });

export const agreementsResponse = z
  .object({
    company: z.object({ id: z.number().int(), identifier: z.string(), name: z.string() }),
    agreements: z.array(
      z.object({
        id: z.number().int(),
        name: z.string(),
        type: z.string().nullable(),
        additions: z.array(z.object({ id: z.number().int(), product: z.string(), quantity: z.number(), description: z.string().nullable() })),
      }),
    ),
  })
  .meta({ id: 'ConnectWiseAgreements' });

export const previewResponse = z
  .object({
    period: period.describe('The period a push now would bill'),
    quantityBasis: z.enum(['seats_licensed', 'seats_used']),
    lines: z.array(line),
    zeroQuantityProducts: z.array(z.string()).describe('Products a push would set to 0; refused unless allowZeroQuantity'),
    fingerprint: z.string().describe('Send it to send-now to push only these quantities'),
    nextBillingDates: z.array(billingDate).describe('The next 12'),
  })
  .meta({ id: 'BillingPreview' });

export const pushResponse = z
  .object({
    id,
    trigger: z.enum(['scheduled', 'send_now']),
    period,
    status: z.enum(['pending', 'pushed', 'failed']),
    lines: z.array(pushLine),
    error: z.string().nullable(),
    errorType: z.string().nullable(),
    actor: z.string(),
    createdAt: timestamp,
    completedAt: timestamp.nullable(),
  })
  .meta({ id: 'BillingPush' });

export const pushList = listOf(pushResponse, 'BillingPushList');

export const summarySettingsResponse = z
  .object({ companyId: id, frequency: z.enum(['daily', 'weekly', 'monthly']).nullable(), hour: z.number().int(), timeZone: z.string(), nextSummaryAt: timestamp.nullable() })
  .meta({ id: 'SummarySettings' });

// Request schemas: what callers may send, with the messages they see when they get it wrong.
import { z } from 'zod';
import { isDuration, isFixedDuration } from '../machines/duration.js';
import { renewalBases } from '../machines/license/renewal.js';
import { validatePolicyTerms } from '../machines/policy.js';

const fixedDuration = z
  .string()
  .refine(isFixedDuration, 'must be an ISO 8601 duration in weeks, days, hours, minutes or seconds, e.g. P14D or PT10S');
const termDuration = z.string().refine(isDuration, 'must be an ISO 8601 duration, e.g. P1Y, P1M or PT60S');
const timestamp = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp, e.g. 2027-01-31T00:00:00Z' });
const uuid = z.uuid({ message: 'must be a UUID' });
const locale = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag, e.g. en, fr, pl-PL');

export const policyTerms = z.object({
  trial: fixedDuration,
  grace: fixedDuration,
  suspension: fixedDuration,
  expiryNotices: z.array(fixedDuration).max(10),
  deletionNotice: fixedDuration,
});

const withPolicyRules = <T extends z.infer<typeof policyTerms>>(terms: T, ctx: z.RefinementCtx) => {
  for (const issue of validatePolicyTerms(terms)) ctx.addIssue({ code: 'custom', path: issue.field.split('.'), message: issue.message });
};

export const createPolicy = policyTerms.extend({ name: z.string().trim().min(1).max(200) }).strict().superRefine(withPolicyRules);
export const updatePolicy = policyTerms.extend({ name: z.string().trim().min(1).max(200) }).partial().strict();

export const createCompany = z
  .object({
    name: z.string().trim().min(1).max(200),
    locale: locale.default('en'),
    noticeEmails: z.array(z.email({ message: 'must be an e-mail address' })).max(20).default([]),
    noticeOptOuts: z.array(z.enum(['expiring', 'grace_started', 'grace_halfway', 'suspended', 'deleted', 'restored'])).default([]),
    parentId: uuid.optional(),
    policyId: uuid.optional(),
  })
  .strict();
export const updateCompany = createCompany.partial().strict();

const accountType = z.enum(['lmp', 'msp', 'managed_msp', 'msp_manager', 'clp', 'business']);

export const issueLicense = z
  .object({
    companyId: uuid,
    product: z.string().trim().min(1).max(100).regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a product code: lowercase letters, digits, . _ -'),
    seats: z.number().int().min(1).max(1_000_000),
    term: z.enum(['annual', 'monthly', 'trial']),
    owner: z.enum(['partner', 'customer']).default('partner'),
    expiresAt: timestamp.optional(),
    duration: termDuration.optional(),
    policyId: uuid.optional(),
    tag: z.string().trim().min(1).max(200).optional(),
    accountType: accountType.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.expiresAt && value.duration) ctx.addIssue({ code: 'custom', path: ['duration'], message: 'give expiresAt or duration, not both' });
    if (!value.expiresAt && !value.duration && value.term !== 'trial') {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'is required (or give duration); only a trial takes its length from the policy' });
    }
    if (value.expiresAt && Date.parse(value.expiresAt) <= Date.now()) {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be in the future' });
    }
  });

export const renewByDate = z
  .object({ expiresAt: timestamp.refine((value) => Date.parse(value) > Date.now(), 'must be in the future') })
  .strict();
export const renewByDuration = z.object({ duration: termDuration, basis: z.enum(renewalBases).default('from_expiry') }).strict();

export const listLicenses = z
  .object({
    state: z.enum(['trial', 'active', 'grace', 'suspended', 'deleted']).optional(),
    companyId: uuid.optional(),
    product: z.string().min(1).optional(),
    expiresBefore: timestamp.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    after: uuid.optional(),
  })
  .strict();

// Request schemas: what callers may send, with the messages they see when they get it wrong.
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { DURATION_SHAPE, FIXED_DURATION_SHAPE, HORIZON_YEARS, isInstantWithinHorizon, isWithinHorizon } from '../machines/lifecycle/duration.js';
import { renewalBases } from '../machines/license/renewal.js';
import { validatePolicyTerms } from '../machines/lifecycle/policy.js';
import { isEventPattern } from '../machines/webhook/events.js';
import { PRODUCT_CODE, PRODUCT_CODE_RULE } from '../machines/lifecycle/product.js';
import { LOCALE_SHAPE, renderableLocale } from './locale.js';
import { UNSTORABLE_TEXT } from './validate.js';

/** What PostgreSQL's text cannot hold (NUL) and UTF-8 cannot encode (an unpaired surrogate); with `u`, a surrogate pair is one character. */
const STORABLE = /^[^\u0000\uD800-\uDFFF]*$/u;
/** Every free text field starts here, so none lets through what the database or a mail cannot carry; the pattern tells the document. */
export const text = () => z.string().regex(STORABLE, UNSTORABLE_TEXT);
const withinHorizon = `must be at most ${HORIZON_YEARS} years (P${HORIZON_YEARS}Y)`;

// A refinement is invisible to JSON Schema: the document learns a duration's shape from its
// pattern, and the horizon from its description. A shape refused is not also measured.
const fixedDuration = z
  .string()
  .max(40)
  .regex(FIXED_DURATION_SHAPE, { message: 'must be an ISO 8601 duration in weeks, days, hours, minutes or seconds, e.g. P14D or PT10S', abort: true })
  .refine(isWithinHorizon, withinHorizon)
  .meta({ description: `ISO 8601 duration of fixed length: weeks, days, hours, minutes, seconds; at most ${HORIZON_YEARS} years`, examples: ['P14D', 'PT10S'] });
const termDuration = z
  .string()
  .max(40)
  .regex(DURATION_SHAPE, { message: 'must be an ISO 8601 duration, e.g. P1Y, P1M or PT60S', abort: true })
  .refine(isWithinHorizon, withinHorizon)
  .meta({ description: `ISO 8601 duration; years and months count in calendar time; at most ${HORIZON_YEARS} years`, examples: ['P1Y', 'P1M', 'PT60S'] });
const timestamp = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp, e.g. 2027-01-31T00:00:00Z' });
/** A deadline a caller sets: ahead, and not past the horizon (machines/lifecycle/duration.ts). */
const deadline = timestamp
  .refine((value) => Date.parse(value) > Date.now(), 'must be in the future')
  .refine((value) => isInstantWithinHorizon(Date.parse(value), Date.now()), `must be within ${HORIZON_YEARS} years from now`)
  .meta({ description: `RFC 3339; in the future, and at most ${HORIZON_YEARS} years ahead` });
const uuid = z.uuid({ message: 'must be a UUID' });
/** Rules and fallback in api/locale.ts; kept in canonical case. */
const locale = z
  .string()
  .max(35)
  .regex(LOCALE_SHAPE, 'must be a BCP 47 tag of a language, an optional script and an optional region, e.g. en, fr-CA, sr-Latn-RS')
  .refine((tag) => renderableLocale(tag) !== undefined, 'names a language, script or region Tenure does not know')
  .transform((tag) => renderableLocale(tag)!)
  .meta({
    description: 'Notices are written in its language where Tenure has one (en, fr, pl), otherwise in English; dates follow the whole tag when the text is in its language',
    examples: ['en', 'fr-CA', 'pl'],
  });
/**
 * A conservative address, which every `format: email` validator accepts: RFC 5321 letters, digits
 * and `._%+'-` in a local part of at most 64; dot-separated host labels of at most 63, none with
 * `--` in its third and fourth places (reserved by IDNA for `xn--` labels, which must then decode).
 */
const email = z
  .email({
    message: 'must be an e-mail address',
    pattern: /^(?=[^@]{1,64}@)(?!\.)(?!.*\.\.)[A-Za-z0-9._%+'-]*[A-Za-z0-9_%+'-]@(?:(?!(?!xn--)[A-Za-z0-9]{2}--)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/,
  })
  .max(254)
  .refine((address) => domainToASCII(address.slice(address.lastIndexOf('@') + 1)) !== '', 'must be an e-mail address');

export const policyTerms = z.object({
  trial: fixedDuration,
  grace: fixedDuration,
  suspension: fixedDuration,
  expiryNotices: z.array(fixedDuration).max(10),
  deletionNotice: fixedDuration,
});

const withPolicyRules = <T extends z.infer<typeof policyTerms>>(terms: T, ctx: z.RefinementCtx) => {
  // A duration past the horizon is already refused by its field; the rules below would measure it.
  // zod runs this even when a field failed, so the values may be anything.
  const durations: unknown[] = [terms.trial, terms.grace, terms.suspension, terms.deletionNotice, ...(Array.isArray(terms.expiryNotices) ? terms.expiryNotices : [undefined])];
  if (!durations.every((value) => typeof value === 'string' && isWithinHorizon(value))) return;
  for (const issue of validatePolicyTerms(terms)) ctx.addIssue({ code: 'custom', path: issue.field.split('.'), message: issue.message });
};

export const createPolicy = policyTerms.extend({ name: text().trim().min(1).max(200) }).strict().superRefine(withPolicyRules);
export const updatePolicy = policyTerms.extend({ name: text().trim().min(1).max(200) }).partial().strict();

const noticeKinds = ['expiring', 'grace_started', 'grace_halfway', 'suspended', 'deletion_warning', 'deleted', 'restored'] as const;
const noticeKind = z.enum(noticeKinds, { message: `must be a notice kind: ${noticeKinds.join(', ')}` });
/** A company may refuse any notice but the deletion warning: its last chance before its data is gone. */
const optionalNoticeKind = noticeKind.refine((kind) => kind !== 'deletion_warning', 'deletion warnings cannot be opted out: they are the last notice before data is deleted for good');

const companyFields = {
  name: text().trim().min(1).max(200),
  locale,
  noticeEmails: z.array(email).max(20),
  noticeOptOuts: z.array(optionalNoticeKind).max(noticeKinds.length),
  parentId: uuid,
  policyId: uuid,
};
export const createCompany = z
  .object({
    ...companyFields,
    locale: companyFields.locale.default('en'),
    noticeEmails: companyFields.noticeEmails.default([]),
    noticeOptOuts: companyFields.noticeOptOuts.default([]),
    parentId: uuid.optional(),
    policyId: uuid.optional(),
  })
  .strict();
/** Without the defaults of creation: a field left out of a change keeps its value instead of being reset. */
export const updateCompany = z.object(companyFields).partial().strict();

const accountType = z.enum(['lmp', 'msp', 'managed_msp', 'msp_manager', 'clp', 'business']);

export const issueLicense = z
  .object({
    companyId: uuid,
    product: z.string().trim().min(1).max(100).regex(PRODUCT_CODE, PRODUCT_CODE_RULE),
    seats: z.number().int().min(1).max(1_000_000),
    term: z.enum(['annual', 'monthly', 'trial']),
    owner: z.enum(['partner', 'customer']).default('partner'),
    expiresAt: deadline.optional(),
    duration: termDuration.optional(),
    policyId: uuid.optional(),
    poolId: uuid.optional().describe("The pool the license lands in; without it, its company's default pool (R5, R6)"),
    tag: text().trim().min(1).max(200).optional(),
    accountType: accountType.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.expiresAt && value.duration) ctx.addIssue({ code: 'custom', path: ['duration'], message: 'give expiresAt or duration, not both' });
    if (!value.expiresAt && !value.duration && value.term !== 'trial') {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'is required (or give duration); only a trial takes its length from the policy' });
    }
  })
  // The cross-field rules above, told to the document so that a generated client knows them too.
  .meta({
    description: 'Give `expiresAt` or `duration`, not both; only a trial may give neither, and then lasts its policy\'s trial.',
    allOf: [
      { not: { required: ['expiresAt', 'duration'] } },
      { anyOf: [{ required: ['expiresAt'] }, { required: ['duration'] }, { properties: { term: { const: 'trial' } } }] },
    ],
  });

/** M5: a trial renewed becomes this paid term (annual when not given); other licenses keep theirs. */
const convertedTerm = z.enum(['annual', 'monthly']).optional().describe('The paid term a trial becomes when renewed; annual by default');
export const renewByDate = z
  .object({ expiresAt: deadline, term: convertedTerm })
  .strict();
export const renewByDuration = z.object({ duration: termDuration, basis: z.enum(renewalBases).default('from_expiry'), term: convertedTerm }).strict();

export const listLicenses = z
  .object({
    state: z.enum(['trial', 'active', 'grace', 'suspended', 'deleted']).optional(),
    companyId: uuid.optional(),
    product: text().min(1).max(100).optional(),
    expiresBefore: timestamp.optional(),
    sourceId: uuid.optional().describe('Only the licenses synced from this source'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    after: uuid.optional(),
  })
  .strict();

const name = text().trim().min(1).max(200);
/** A zone as the tz database names them (`Europe/Paris`, `America/Port-au-Prince`, `Etc/GMT+5`, `UTC`), in the document too. */
const TIME_ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const TIME_ZONE_MESSAGE = 'must be an IANA time zone, e.g. Europe/Paris or UTC';
/** The runtime's zone data decides which of the names that look like a zone exist. */
export const timeZone = z
  .string()
  .max(100)
  .regex(TIME_ZONE_NAME, { message: TIME_ZONE_MESSAGE, abort: true })
  .refine(isTimeZone, TIME_ZONE_MESSAGE)
  .meta({ description: 'IANA time zone', examples: ['Europe/Paris', 'UTC'] });

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const createPartner = z
  .object({ name, contactEmail: email.optional(), timeZone: timeZone.default('UTC'), monthlyProgramme: z.boolean().default(false) })
  .strict();
/**
 * What a partner may change about itself. The monthly programme only at the top of the tree,
 * where the enrolment is with the vendor; a managed partner's is granted by its parent (R30).
 */
export const updatePartner = z
  .object({ name, contactEmail: email.nullable(), timeZone, monthlyProgramme: z.boolean().describe('Only a partner with no parent partner sets its own (R30)') })
  .partial()
  .strict();

export const createApiKey = z
  .object({
    name,
    role: z.enum(['admin', 'operator', 'viewer'], { message: 'must be admin, operator or viewer' }),
    accessGroupIds: z
      .array(uuid)
      .min(1, 'must name at least one access group; leave it out for a key that sees every group')
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, 'must not name a group twice')
      .optional(),
  })
  .strict();

export const listAudit = z
  .object({
    subject: text().min(1).max(200).optional(),
    subjectType: z.string().regex(/^[a-z_]+$/, 'must be a subject type, e.g. license or api_key').optional(),
    action: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/, 'must be an action such as license.renewed, or a family such as license.*')
      .optional(),
    since: timestamp.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    after: z.string().regex(/^[0-9]{1,15}$/, 'must be the `next` value of a previous page').transform(Number).optional(),
  })
  .strict();

const accountProduct = z.string().trim().min(1).max(100).regex(PRODUCT_CODE, PRODUCT_CODE_RULE);
const seatsRequested = z.number().int().min(1).max(1_000_000);

export const createAccount = z
  .object({
    companyId: uuid,
    product: accountProduct,
    name,
    seatsRequested,
    term: z.enum(['annual', 'monthly']),
    trial: z.boolean().default(false),
  })
  .strict();
export const updateAccount = z.object({ seatsRequested }).strict();

export const listAccounts = z
  .object({
    state: z.enum(['trial', 'active', 'grace', 'suspended', 'deleted']).optional(),
    companyId: uuid.optional(),
    product: text().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    after: uuid.optional(),
  })
  .strict();

export const listOutbox = z
  .object({
    subjectId: uuid.optional(),
    status: z.enum(['pending', 'sent', 'failed', 'skipped']).optional(),
    kind: noticeKind.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    /** The last id of the previous page: the list goes on with older notices. */
    after: uuid.optional(),
  })
  .strict();

export const readUsage = z
  .object({
    partnerId: uuid.optional().describe("A managed partner's id, to read its usage instead of the caller's own"),
    companyId: uuid.optional(),
    product: text().min(1).max(100).optional(),
  })
  .strict();

const eventPattern = z
  .string()
  .refine(isEventPattern, 'must be an event type such as license.renewed or account.grace_started, a family such as license.*, or * for every event')
  .meta({ description: 'An event type, a family (`license.*`) or `*`', examples: ['license.renewed', 'account.*'] });

export const subscribeWebhook = z
  .object({
    url: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).max(2000).regex(STORABLE, UNSTORABLE_TEXT).meta({ examples: ['https://psa.example.com/hooks/tenure'] }),
    events: z
      .array(eventPattern)
      .min(1)
      .max(50)
      .transform((events) => [...new Set(events)])
      .meta({ examples: [['license.expiring', 'license.grace_started', 'license.suspended', 'account.*']] }),
    secret: text().min(16, 'must be at least 16 characters').max(200).optional().describe('Generated when absent; shown once either way'),
    description: text().trim().max(200).optional(),
  })
  .strict();

export const listWebhookDeliveries = z
  .object({
    status: z.enum(['pending', 'delivered', 'failed', 'skipped']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    after: z
      .string()
      .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be the `next` value of a previous page')
      .refine((cursor) => !Number.isNaN(Date.parse(cursor.split('_')[0]!)), 'must be the `next` value of a previous page')
      .optional(),
  })
  .strict();

/** The product a partner chooses a policy for (DESIGN §3: a policy per partner, overridable per product). */
export const productPolicyPath = z.object({ product: accountProduct });
export const setProductPolicy = z.object({ policyId: uuid }).strict();

/** What a parent partner may change about a managed partner: its enrolment in the monthly programme (R30). */
export const updateManagedPartner = z.object({ monthlyProgramme: z.boolean() }).strict();

// What the fuzzing sends: values a documented schema calls valid, so that a request gets past
// validation to the code behind it, and the hostile values a careless or malicious caller sends.
import fc from 'fast-check';
import type { JsonSchema } from '../../api/openapi/json-schema.js';

const COMPONENT_REF = '#/components/schemas/';
const DAY = 86_400_000;

/** Strings PostgreSQL cannot store or UTF-8 cannot encode, lengths and instants nobody means, tags and addresses that only look right. */
export const hostileStrings = [
  '\u0000',
  'Acme\u0000Corp',
  '\uD800',
  'Acme \uDC00 GmbH',
  'x'.repeat(100_000),
  '',
  '   ',
  'P99999Y',
  'P99999999999999999999Y',
  'PT99999999999999999999S',
  'P999999999W',
  'P101Y',
  'P0D',
  '9999-12-31T23:59:59Z',
  '0001-01-01T00:00:00Z',
  '2200-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '2027-02-30T00:00:00Z',
  'zz-ZZZZ-invalid',
  'i-klingon',
  'en_US',
  'de-CH-1996',
  'en-u-ca-buddhist',
  'a@b-.com',
  'a..b@example.com',
  'http://169.254.169.254/latest/meta-data/',
  "'; drop table licenses; --",
  '\u202e\u{1F4A5}',
];
const hostileNumbers = [1e308, -1e308, 2 ** 53 + 1, 1e21, -1, 0, 0.5, 1_000_001];
/** `{"__proto__": …}` as JSON.parse reads it: an own key, not a prototype. */
const protoKey = JSON.parse('{"__proto__": {"role": "admin"}}') as object;

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...hostileStrings) },
  { weight: 1, arbitrary: fc.constantFrom(...hostileNumbers) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, [], {}, [null], protoKey, { id: {} }) },
  { weight: 2, arbitrary: fc.constantFrom(...hostileStrings).map((text) => [text]) },
);

/**
 * Hostile values aimed at what a field is: an address its format refuses for an e-mail field, a
 * tag that only looks like one for a locale, P99999Y for a duration, year 9999 for an instant,
 * NUL and a lone surrogate for any text. Found far more often than a value picked from all of them.
 */
export function hostileFor(schema: JsonSchema, components: Record<string, JsonSchema>, field: string): fc.Arbitrary<unknown> {
  if (typeof schema.$ref === 'string') return hostileFor(components[schema.$ref.slice(COMPONENT_REF.length)]!, components, field);
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => hostileFor(alternative, components, field)));
  if (schema.type === 'array') return hostileFor((schema.items ?? {}) as JsonSchema, components, field).map((value) => [value]);
  if (schema.type !== 'string') return hostileValue;
  return fc.constantFrom(...aimedAt(schema, field));
}

/** The hostile values of hostileFor, listed: an exhaustive sweep sends each of them once. */
export function aimedAt(schema: JsonSchema, field: string): unknown[] {
  const described = `${String(schema.description ?? '')} ${field}`;
  const aimed =
    schema.format === 'email' ? ['a@b-.com', 'a..b@example.com', 'a@b', 'a@ab--cd.com', 'a@xn--zz.com', `${'a'.repeat(65)}@example.com`, `a@${'b'.repeat(64)}.com`]
    : schema.format === 'date-time' ? ['9999-12-31T23:59:59Z', '2200-01-01T00:00:00Z', '0001-01-01T00:00:00Z']
    : /duration/i.test(described) ? ['P99999Y', 'P99999999999999999999Y', 'PT99999999999999999999S', 'P101Y']
    : /locale/i.test(described) ? ['zz-ZZZZ-invalid', 'de-CH-1996', 'en-ZZ', 'i-klingon']
    : [];
  return [...aimed, '\u0000', 'Acme\u0000Corp', '\uD800', 'x'.repeat(100_000)];
}

/** Path segments where an id goes. */
export const hostileSegments = ['not-an-id', '%00', '%ZZ', '%ED%A0%80', 'x'.repeat(2_000), '00000000-0000-0000-0000-000000000000', '..%2F..%2Fhealthz', '%20'];

/** Bodies that are not what a JSON API expects, byte for byte. */
export const hostileRawBodies: (string | Buffer)[] = [
  '{',
  '{"name":',
  'null',
  '[]',
  '"text"',
  '{}garbage',
  '\uFEFF{}',
  Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  `{"name":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
  `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  `{"name":"${'x'.repeat(1_100_000)}"}`,
  '{"name":"a","name":"b"}',
];

export const hostileIdempotencyKeys = ['', ' ', 'a b', 'x'.repeat(256), 'caf\u00e9', 'key,with,commas'];
export const contentTypes = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'];

/** Ids for a field, by its name: `companyId` gets companies of the caller, most of the time. */
export type IdsFor = (field: string | undefined) => fc.Arbitrary<string>;

/** Values the schema calls valid (examples, formats, enums, bounds), generated from the document. */
export function validOf(schema: JsonSchema, components: Record<string, JsonSchema>, idsFor: IdsFor, field?: string): fc.Arbitrary<unknown> {
  if (typeof schema.$ref === 'string') return validOf(components[schema.$ref.slice(COMPONENT_REF.length)]!, components, idsFor, field);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => validOf({ ...schema, anyOf: undefined, oneOf: undefined, ...alternative }, components, idsFor, field)));
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((candidate) => candidate !== 'null') : schema.type;
  const examples = Array.isArray(schema.examples) && schema.examples.length > 0 ? fc.constantFrom(...(schema.examples as unknown[])) : undefined;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const model = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, validOf(property, components, idsFor, name)]));
      return fc.record(model, { requiredKeys: (schema.required ?? []) as string[] });
    }
    case 'array': {
      const items = validOf((schema.items ?? {}) as JsonSchema, components, idsFor, field);
      const minLength = Number(schema.minItems ?? 0);
      const array = fc.array(items, { minLength, maxLength: Math.min(Number(schema.maxItems ?? 3), minLength + 3) });
      return examples ? fc.oneof(examples, array) : array;
    }
    case 'integer':
      return fc.integer({ min: Number(schema.minimum ?? -1000), max: Math.min(Number(schema.maximum ?? 1000), Number(schema.minimum ?? 0) + 1000) });
    case 'number':
      return fc.double({ min: Number(schema.minimum ?? -1000), max: Number(schema.maximum ?? 1000), noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string':
      return examples ?? stringOf(schema, idsFor, field);
    default:
      return fc.constant(null);
  }
}

function stringOf(schema: JsonSchema, idsFor: IdsFor, field: string | undefined): fc.Arbitrary<string> {
  const minLength = Number(schema.minLength ?? 0);
  const maxLength = Math.min(Number(schema.maxLength ?? 40), 40);
  switch (schema.format) {
    case 'uuid':
      return idsFor(field);
    case 'date-time':
      // Mostly ahead (deadlines must be), sometimes behind.
      return fc.integer({ min: -30, max: 3 * 365 }).map((days) => new Date(Date.now() + days * DAY + 60_000).toISOString());
    case 'email':
      return fc.oneof(fc.constant('it@acme.test'), fc.emailAddress());
    case 'uri':
      // Nothing listens there: an upstream check fails at once instead of waiting on DNS.
      return fc.constantFrom('https://127.0.0.1:9/tenure', 'http://127.0.0.1:9/in');
  }
  // Lengths are left to the server to judge: filtering for them can starve the generator.
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern as string, 'u'), { size: 'xsmall' });
  return fc.string({ minLength: Math.max(minLength, 1), maxLength: Math.max(maxLength, minLength, 1), unit: 'grapheme' });
}

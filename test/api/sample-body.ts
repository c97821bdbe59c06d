// A minimal valid value for a JSON Schema of the OpenAPI document: only required fields, the
// schema's own example where it gives one. Lets a test call any documented route with a body
// that passes validation, so what it observes is about the route, not about the body.
import { randomUUID } from 'node:crypto';
import type { JsonSchema } from '../../api/openapi/json-schema.js';

const COMPONENT_REF = '#/components/schemas/';
const A_YEAR = 365 * 24 * 3600 * 1000;

export function sampleOf(schema: JsonSchema, components: Record<string, JsonSchema>): unknown {
  if (typeof schema.$ref === 'string') return sampleOf(components[schema.$ref.slice(COMPONENT_REF.length)]!, components);
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return sampleOf(alternatives.find((alternative) => alternative.type !== 'null')!, components);
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((candidate) => candidate !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      return Object.fromEntries(((schema.required ?? []) as string[]).map((name) => [name, sampleOf(properties[name]!, components)]));
    }
    case 'array':
      return Array.from({ length: Number(schema.minItems ?? 0) }, () => sampleOf(schema.items as JsonSchema, components));
    case 'integer':
    case 'number':
      return Math.max(Number(schema.minimum ?? 1), 1);
    case 'boolean':
      return false;
    case 'string':
      return sampleString(schema);
    default:
      return null;
  }
}

function sampleString(schema: JsonSchema): string {
  switch (schema.format) {
    case 'uuid':
      return randomUUID();
    // Timestamps callers send are deadlines, which must lie ahead.
    case 'date-time':
      return new Date(Date.now() + A_YEAR).toISOString();
    case 'email':
      return 'probe@example.com';
    case 'uri':
      return 'https://example.com/probe';
    default:
      return 'probe'.padEnd(Number(schema.minLength ?? 1), 'e');
  }
}

// zod → JSON Schema 2020-12 (OpenAPI 3.1's dialect) with zod's own converter. A schema
// given an id (`.meta({ id: 'License' })`) becomes a named component that every
// operation references; everything else is inlined where it is used.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

const DEFS = '#/$defs/';
const COMPONENTS = '#/components/schemas/';

export class ComponentSchemas {
  readonly schemas: Record<string, JsonSchema> = {};

  /** The JSON Schema of what a caller sends (`io: 'input'`: defaults make a field optional). */
  convert(schema: z.ZodType): JsonSchema {
    const { $defs, $schema: _dialect, ...root } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as JsonSchema;
    for (const [name, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) this.add(name, pointToComponents(definition));
    return pointToComponents(root);
  }

  private add(name: string, definition: JsonSchema): void {
    const existing = this.schemas[name];
    if (existing && !isDeepStrictEqual(existing, definition)) {
      throw new Error(`Two different schemas are both named "${name}" in the OpenAPI document: give each its own .meta({ id })`);
    }
    this.schemas[name] = definition;
  }
}

/** zod points at its local `$defs`; in the document they live under components/schemas. */
function pointToComponents<T>(value: T): T {
  if (Array.isArray(value)) return value.map(pointToComponents) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string' && inner.startsWith(DEFS) ? COMPONENTS + inner.slice(DEFS.length) : pointToComponents(inner),
    ]),
  ) as T;
}

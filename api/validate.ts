// zod at the edge: bad input becomes a 422 naming the field, never a 500.
import type { z } from 'zod';
import { invalidInput } from './problem.js';

/** What PostgreSQL's text cannot hold (NUL) and UTF-8 cannot encode (an unpaired surrogate). */
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;
export const UNSTORABLE_TEXT = 'must not contain NUL characters (U+0000) or unpaired surrogates (U+D800 to U+DFFF)';

export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, prefix = ''): z.infer<Schema> {
  const fieldOf = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.') || 'body';
  // The shared text() schema refuses these with its own pattern; this net also covers a schema
  // written beside its route with a bare z.string(), so that no text reaches the database with them.
  const unstorable = unstorableStrings(input);
  if (unstorable.length > 0) {
    throw invalidInput(unstorable.map((path) => ({ field: fieldOf(path), message: UNSTORABLE_TEXT })));
  }
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw invalidInput(
    result.error.issues.flatMap((issue) =>
      // An unknown key is named itself, so a caller sees which field this route does not take.
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), message: 'is not a field this request accepts' }))
        : [{ field: fieldOf(issue.path), message: issue.message }],
    ),
  );
}

/** Paths of the strings that hold NUL or an unpaired surrogate; bodies are at most 32 levels deep (api/request-body.ts). */
function unstorableStrings(value: unknown, path: PropertyKey[] = []): PropertyKey[][] {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? [path] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => unstorableStrings(inner, [...path, Array.isArray(value) ? Number(key) : key]));
}

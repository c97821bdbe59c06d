// zod at the edge: bad input becomes a 422 naming the field, never a 500.
import type { z } from 'zod';
import { invalidInput } from './problem.js';

export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, prefix = ''): z.infer<Schema> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fieldOf = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.') || 'body';
  throw invalidInput(
    result.error.issues.flatMap((issue) =>
      // An unknown key is named itself, so a caller sees which field this route does not take.
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), message: 'is not a field this request accepts' }))
        : [{ field: fieldOf(issue.path), message: issue.message }],
    ),
  );
}

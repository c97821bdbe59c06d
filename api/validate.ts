// zod at the edge: bad input becomes a 422 naming the field, never a 500.
import type { z } from 'zod';
import { invalidInput } from './problem.js';

export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, prefix = ''): z.infer<Schema> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw invalidInput(
    result.error.issues.map((issue) => ({
      field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || 'body',
      message: issue.message,
    })),
  );
}

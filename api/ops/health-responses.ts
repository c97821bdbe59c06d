// What the health routes answer.
import { z } from 'zod';

export const liveness = z.object({ status: z.literal('ok') });

export const readiness = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    components: z
      .record(z.string(), z.union([z.object({ ok: z.literal(true) }), z.object({ ok: z.literal(false), error: z.string() })]))
      .describe('Each component (database, temporal, worker …) and why it is down'),
  })
  .meta({ id: 'Readiness' });

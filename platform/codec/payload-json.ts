// Payloads as the codec server protocol carries them: proto3 JSON, where every bytes field
// (each metadata value and the data) is base64.
import type { Payload } from '@temporalio/common';
import { z } from 'zod';

export const payloadsBody = z.object({
  // proto3 JSON leaves out an empty list: the Temporal CLI sends `{}` for an event without payloads.
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.base64()).nullish(),
      data: z.base64().nullish(),
    }),
  ).default([]),
});

export type PayloadsBody = z.infer<typeof payloadsBody>;
export type JsonPayload = PayloadsBody['payloads'][number];

export function payloadFromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([name, value]) => [name, bytes(value)])),
    data: bytes(data ?? ''),
  };
}

export function payloadToJson({ metadata, data }: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([name, value]) => [name, base64(value)])),
    data: base64(data ?? new Uint8Array()),
  };
}

function bytes(encoded: string): Uint8Array {
  return new Uint8Array(Buffer.from(encoded, 'base64'));
}

/** A payload decoded from protobuf leaves empty bytes fields as its default, a plain empty array, not a Uint8Array. */
function base64(value: Uint8Array | ArrayLike<number> | null | undefined): string {
  return value && value.length > 0 ? Buffer.from(value as Uint8Array).toString('base64') : '';
}

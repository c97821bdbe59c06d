// Answers too large to hold in memory (the usage report): items come from PostgreSQL a
// batch at a time and go out as they are encoded. Koa pipes the stream into the socket,
// so a slow client slows the cursor down (backpressure) instead of filling memory, and a
// client that hangs up closes the cursor.
import { Readable } from 'node:stream';
import type { Context } from 'koa';

export interface StreamFormat<Item> {
  contentType: string;
  head: string;
  encode(item: Item, index: number): string;
  tail: string;
}

/** A JSON object `{"data": [...]}` written item by item. */
export function jsonDataFormat<Item>(): StreamFormat<Item> {
  return {
    contentType: 'application/json; charset=utf-8',
    head: '{"data":[',
    encode: (item, index) => `${index === 0 ? '' : ','}${JSON.stringify(item)}`,
    tail: ']}',
  };
}

/**
 * Sets `ctx.body` to the stream. The first batch is read before anything is sent, so a
 * query that fails at once still answers a problem+json rather than a truncated 200.
 */
export async function streamBatches<Item>(ctx: Context, batches: AsyncIterable<Item[]>, format: StreamFormat<Item>): Promise<void> {
  const iterator = batches[Symbol.asyncIterator]();
  const first = await iterator.next();
  ctx.type = format.contentType;
  // One encoded batch in flight at a time: memory stays at a batch whatever the report's size.
  const body = Readable.from(encoded(first, iterator, format), { objectMode: false, highWaterMark: 1 });
  // However the stream ends (sent, client gone, HEAD request never read), the cursor and its
  // connection are released; after a complete read this does nothing.
  body.once('close', () => {
    // Closing an already closed cursor has nothing to report; the answer is already gone.
    iterator.return?.().catch(() => undefined);
  });
  ctx.body = body;
}

async function* encoded<Item>(first: IteratorResult<Item[]>, iterator: AsyncIterator<Item[]>, format: StreamFormat<Item>): AsyncGenerator<string> {
  let index = 0;
  let chunk = format.head;
  for (let step = first; !step.done; step = await iterator.next()) {
    for (const item of step.value) chunk += format.encode(item, index++);
    yield chunk;
    chunk = '';
  }
  yield chunk + format.tail;
}

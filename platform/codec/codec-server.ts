// The codec endpoint the Temporal UI and CLI call to show decrypted payloads to those
// allowed: `POST <prefix>/decode` and `POST <prefix>/encode` with `{payloads: [...]}`
// (see payload-json.ts), cross-origin from the UI's origin, behind the caller's API key.
import type { PayloadCodec } from '@temporalio/common';
import type { Context, Middleware } from 'koa';
import { payloadFromJson, payloadsBody, payloadToJson } from './payload-json.js';
import { PayloadDecryptionError } from './payload-codec.js';

export interface CodecEndpointOptions {
  codec: PayloadCodec;
  /** Origins of the Temporal UI pages that may call from a browser, e.g. http://localhost:8233. */
  uiOrigins: readonly string[];
  /** The API's own key check: true when this caller may read decoded payloads. */
  authorize: (authorizationHeader: string | undefined, caller: CodecCaller) => Promise<boolean>;
  /** The UI is configured with `<origin><prefix>` as its codec endpoint. */
  prefix?: string;
  bodyLimitBytes?: number;
}

/** Where a request comes from, for a policy that trusts this machine's own Temporal UI. */
export interface CodecCaller {
  /** The socket's peer, never a forwarded header: those are the caller's to invent. */
  remoteAddress: string | undefined;
  origin: string | undefined;
}

/** A decoded history page can be large; Temporal caps one payload at 2 MB by default. */
const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
const OPERATIONS = ['decode', 'encode'] as const;

/**
 * Koa middleware answering the codec protocol under `prefix` and passing every other request
 * on. Mount it before the API's own CORS, so its preflights are its own; it reads the body
 * itself, or a JSON body parser's raw text when one ran before it.
 */
export function codecEndpoints(options: CodecEndpointOptions): Middleware {
  const prefix = options.prefix ?? '/codec';
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  return async (ctx, next) => {
    const operation = OPERATIONS.find((name) => ctx.path === `${prefix}/${name}`);
    if (!operation) return next();
    allowUiOrigin(ctx, options.uiOrigins);
    if (ctx.method === 'OPTIONS') return preflight(ctx);
    if (ctx.method !== 'POST') {
      ctx.set('Allow', 'POST, OPTIONS');
      return problem(ctx, 405, 'method_not_allowed', 'Method not allowed on this route', `${ctx.path} answers POST.`);
    }
    if (!(await authorized(ctx, options.authorize))) return;
    const body = await readJson(ctx, limit);
    if (body === undefined) return;
    const parsed = payloadsBody.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
      const expected = 'expected {"payloads":[{"metadata":{"name":"<base64>"},"data":"<base64>"}]}';
      return problem(ctx, 400, 'malformed_body', 'The body is not a codec request', `${field}: ${issue.message}; ${expected}`, field);
    }
    try {
      const payloads = await options.codec[operation](parsed.data.payloads.map(payloadFromJson));
      ctx.body = { payloads: payloads.map(payloadToJson) };
    } catch (error) {
      if (!(error instanceof PayloadDecryptionError)) throw error;
      problem(ctx, 422, 'undecodable_payload', 'A payload cannot be decrypted', error.message, 'payloads');
    }
  };
}

/**
 * The UI sends its credentials ("include cross-origin credentials") and the Authorization
 * header, so the origin is echoed, never `*`, and only for the configured UI origins.
 */
function allowUiOrigin(ctx: Context, origins: readonly string[]): void {
  ctx.vary('Origin');
  const origin = ctx.get('origin');
  if (origin && origins.includes(origin)) {
    ctx.set('Access-Control-Allow-Origin', origin);
    ctx.set('Access-Control-Allow-Credentials', 'true');
  }
}

/** Browsers send no credentials with a preflight, so it is answered without a key check. */
function preflight(ctx: Context): void {
  ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
  ctx.set('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization');
  ctx.set('Access-Control-Max-Age', '600');
  ctx.status = 204;
}

async function authorized(ctx: Context, authorize: CodecEndpointOptions['authorize']): Promise<boolean> {
  let allowed: boolean;
  try {
    allowed = await authorize(ctx.get('authorization') || undefined, { remoteAddress: ctx.req.socket.remoteAddress, origin: ctx.get('origin') || undefined });
  } catch {
    // The key store being down is an outage to wait out, not a server bug.
    problem(ctx, 503, 'unavailable', 'API keys cannot be checked right now', 'Try again shortly.');
    ctx.set('Retry-After', '5');
    return false;
  }
  if (!allowed) problem(ctx, 401, 'unauthorized', 'A valid API key is required', 'Send `Authorization: Bearer <api key>` (Temporal CLI: --codec-auth).');
  return allowed;
}

/** The parsed body, or undefined once a problem has been answered. */
async function readJson(ctx: Context, limit: number): Promise<unknown> {
  const text = await readText(ctx, limit);
  if (text === undefined) {
    problem(ctx, 413, 'body_too_large', 'The request body is too large', `The limit is ${limit} bytes.`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    problem(ctx, 400, 'malformed_body', 'The body is not valid JSON', (error as Error).message, 'body');
    return undefined;
  }
}

/** The body as text, or undefined when it exceeds the limit. */
async function readText(ctx: Context, limit: number): Promise<string | undefined> {
  const parsedEarlier = (ctx.request as { rawBody?: unknown }).rawBody;
  if (typeof parsedEarlier === 'string') return Buffer.byteLength(parsedEarlier) > limit ? undefined : parsedEarlier;
  if (Number(ctx.get('content-length')) > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** RFC 9457, in the API's shape, so a caller handles codec and API errors alike. */
function problem(ctx: Context, status: number, code: string, title: string, detail: string, field?: string): void {
  ctx.status = status;
  ctx.type = 'application/problem+json';
  ctx.body = { type: `https://tenure.dev/problems/${code}`, title, status, code, detail, ...(field ? { field } : {}), instance: ctx.path };
}

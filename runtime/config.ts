// The one place the environment is read. Every process validates it at start and
// exits with one line naming the bad variable, rather than failing later and vaguely.
import { z } from 'zod';

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233');

const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\/[^/]+/.test(value) && URL.canParse(value), 'must be a postgres:// URL');

const smtpUrl = z
  .string()
  .refine((value) => /^smtps?:\/\/[^/]+/.test(value) && URL.canParse(value), 'must be an smtp:// or smtps:// URL');

/** Comma-separated browser origins allowed to call the API; `*` allows any. */
const originList = z
  .string()
  .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, 'must be origins like https://portal.example.com, separated by commas, or *')));

const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

/** Comma-separated entries; each is checked where it is used (the webhook policy names a bad one). */
const commaList = z.string().transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean));

const environment = z.object({
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('tenure'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: flag.optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  DATABASE_URL: postgresUrl.optional(),
  SMTP_URL: smtpUrl.optional(),
  MAIL_FROM: z.string().min(3).default('Tenure <notices@tenure.local>'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  TENURE_BOOTSTRAP_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  TENURE_DATA_DIR: z.string().min(1).default('.data'),
  /** Workflows the worker keeps in memory, about 174 KiB each; 2,000 unless set (runtime/worker.ts). */
  TENURE_WORKFLOW_CACHE: z.coerce.number().int().min(0).max(100_000).optional(),
  /** Ports of the servers `npm start` runs itself when no external one is configured. */
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
  MAIL_CATCHER_PORT: z.coerce.number().int().min(1).max(65535).default(2525),
  CORS_ORIGINS: originList.default([]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * production: webhooks must be https and an external Temporal needs TENURE_PAYLOAD_KEYS.
   * Defaults to production when NODE_ENV=production (the Docker image), else development.
   */
  TENURE_MODE: z.enum(['development', 'production']).optional(),
  NODE_ENV: z.string().optional(),
  /** `id:base64key[,id:base64key…]`, AES-256 keys for Temporal payloads; parsed by platform/codec/keys.ts. */
  TENURE_PAYLOAD_KEYS: z.string().min(1).optional(),
  /** Which of TENURE_PAYLOAD_KEYS encrypts new payloads (after a rotation); the first one by default. */
  TENURE_PAYLOAD_KEY_ID: z.string().min(1).optional(),
  /** Webhook targets allowed although on a local or private network: addresses, CIDRs, host names. */
  TENURE_WEBHOOK_ALLOW: commaList.default([]),
  /** 32 bytes in base64: encrypts source credentials at rest; required in production (runtime/credentials-key.ts). */
  TENURE_CREDENTIALS_KEY: z.string().min(1).optional(),
  /** Origins of the Temporal UI allowed to call /codec from a browser; the local dev server's UI by default. */
  TENURE_CODEC_UI_ORIGINS: originList.optional(),
});

export type Config = z.infer<typeof environment>;

export function codecUiOrigins(config: Config): string[] {
  return config.TENURE_CODEC_UI_ORIGINS ?? [`http://localhost:${config.TEMPORAL_UI_PORT}`, `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`];
}

export function isProduction(config: Config): boolean {
  return (config.TENURE_MODE ?? (config.NODE_ENV === 'production' ? 'production' : 'development')) === 'production';
}

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`${variable}: ${detail}`);
  }
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environment.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const config = parsed.data;
  if (Boolean(config.TEMPORAL_TLS_CERT_PATH) !== Boolean(config.TEMPORAL_TLS_KEY_PATH)) {
    throw new ConfigError('TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together (mTLS)');
  }
  return config;
}

/** Prints the one line and exits; used by every entry point. */
export function exitOnStartupError(error: unknown): never {
  const line = error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`tenure: ${line}\n`);
  process.exit(1);
}

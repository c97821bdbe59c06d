// What `npm start` prints once up: every address a user can open or connect to, each one served.
import { resolve } from 'node:path';

export interface ReachableParts {
  /** The API's own address, e.g. http://localhost:3000. */
  api: string;
  /** The embedded dev server's UI; undefined with a Temporal of the user's own (TEMPORAL_ADDRESS). */
  temporalUi: string | undefined;
  temporalAddress: string;
  namespace: string;
  databaseUrl: string;
  /** The embedded PostgreSQL's URL is shown whole, its fixed local password included, for psql. */
  embeddedDatabase: boolean;
  smtpUrl: string;
  /** Where the local mail catcher keeps each message; undefined when SMTP_URL sends them for real. */
  caughtMailDir: string | undefined;
}

export function startupMessage(parts: ReachableParts, upInSeconds: number): string {
  const { api } = parts;
  const mail = parts.caughtMailDir
    ? `${parts.smtpUrl} catches every message as an .eml file in ${resolve(parts.caughtMailDir)}`
    : `sent through ${withoutPassword(parts.smtpUrl)}`;
  return `Tenure is up in ${upInSeconds.toFixed(1)} s
  API          ${api}/v1
  API docs     ${api}/docs   (OpenAPI 3.1 document: ${api}/openapi.json)
  Health       ${api}/healthz   (readiness of each component: ${api}/readyz)
  Metrics      ${api}/metrics   (Prometheus)
  Temporal UI  ${parts.temporalUi ?? 'your Temporal cluster\'s UI'}
  Temporal     ${parts.temporalAddress}   (namespace ${parts.namespace})
  PostgreSQL   ${parts.embeddedDatabase ? parts.databaseUrl : withoutPassword(parts.databaseUrl)}
  Mail         ${mail}; notices at ${api}/v1/outbox
Press Ctrl-C to stop.`;
}

/** A URL from the environment may carry a password, and this message goes to the logs. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (!parsed.password) return url;
  parsed.password = '';
  return parsed.toString();
}

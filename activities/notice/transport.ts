// SMTP through nodemailer, configured by SMTP_URL (smtp:// or smtps://, with user:pass when the server wants auth).
// It tells the two ways a send can fail apart: the server said no to this message for good
// (MailRejected), or it could not be reached or asked us to come back later (any other error).
import nodemailer from 'nodemailer';

export interface OutgoingMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Derived from the outbox key, so a retry after a crash carries the same Message-ID (R19). */
  messageId: string;
  headers?: Record<string, string>;
}

export interface Rejection {
  address: string;
  /** The server's reply, e.g. `550 5.1.1 No such user`. */
  response: string;
}

export interface Delivery {
  accepted: string[];
  /** Recipients the server refused while it accepted the message for the others. */
  rejected: Rejection[];
}

export interface Mailer {
  /** Resolves once the server accepted the message; rejects with MailRejected when it refused it for good. */
  send(mail: OutgoingMail): Promise<Delivery>;
  close(): void;
}

/** A permanent (5xx) refusal of the recipients or of the message itself: sending it again cannot help. */
export class MailRejected extends Error {
  override name = 'MailRejected';
  constructor(
    message: string,
    readonly rejected: Rejection[],
  ) {
    super(message);
  }
}

/** Short enough that a dead server frees the activity quickly; Temporal's retries do the waiting. */
const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
/**
 * Connections kept open and shared by the sends: a mass expiry of 2,000 licenses would otherwise
 * open 2,000 SMTP connections, one TLS handshake and greeting each (issue 13). Bounded, so one
 * worker never floods the relay; a connection is recycled after some messages, as relays expect.
 */
const pooling = { pool: true, maxConnections: 8, maxMessages: 200 } as const;

export function createMailer(smtpUrl: string | undefined, from: string): Mailer {
  if (!smtpUrl) {
    return {
      send: () => Promise.reject(new Error('SMTP_URL is not set: this process cannot send notices')),
      close: () => {},
    };
  }
  const transport = nodemailer.createTransport({ url: smtpUrl, ...pooling, ...timeouts });
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({ from, ...mail });
        return { accepted: info.accepted.map(String), rejected: rejectionsOf(info) };
      } catch (error) {
        throw isPermanentRejection(error) ? new MailRejected((error as Error).message, rejectionsOf(error)) : error;
      }
    },
    close: () => transport.close(),
  };
}

interface SmtpError {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  recipient?: string;
}

/**
 * A 5xx answer to RCPT TO or to the message is about this mail and stays true on retry.
 * A 5xx to AUTH or MAIL FROM is our configuration (credentials, sender), and 503 is a
 * protocol hiccup: those keep the notice pending until someone fixes them.
 */
function isPermanentRejection(error: unknown): boolean {
  const { code, command, responseCode } = error as SmtpError;
  if (code === 'EENVELOPE' && command === 'API') return true; // an address nodemailer cannot even send to
  return responseCode !== undefined && responseCode >= 500 && responseCode !== 503 && (command === 'RCPT TO' || command === 'DATA');
}

function rejectionsOf(source: unknown): Rejection[] {
  const { rejectedErrors = [] } = source as { rejectedErrors?: SmtpError[] };
  return rejectedErrors.map((error) => ({ address: error.recipient ?? '', response: error.response ?? '' }));
}

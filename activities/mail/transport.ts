// SMTP through nodemailer, configured by SMTP_URL (smtp:// or smtps://, with user:pass when the server wants auth).
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

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ accepted: string[]; rejected: string[] }>;
  close(): void;
}

export function createMailer(smtpUrl: string | undefined, from: string): Mailer {
  if (!smtpUrl) {
    return {
      send: () => Promise.reject(new Error('SMTP_URL is not set: this process cannot send notices')),
      close: () => {},
    };
  }
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      const info = await transport.sendMail({ from, ...mail });
      return { accepted: info.accepted.map(String), rejected: info.rejected.map(String) };
    },
    close: () => transport.close(),
  };
}

// A real SMTP server for notice tests (the smtp-server package): it keeps every message it
// accepted, parsed with mailparser, refuses the addresses a test names with a 550, and can be
// stopped and started again on the same port, as an outage would.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../support/ports.js';

export interface ReceivedMail {
  /** The outbox key the notice carries in X-Tenure-Notice. */
  key: string;
  messageId: string;
  /** RCPT TO addresses the server accepted for this message. */
  envelopeTo: string[];
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  url: string;
  received: ReceivedMail[];
  /** Every RCPT TO the server was asked for, accepted or not. */
  recipientAttempts: string[];
  /** Addresses answered with `550 5.1.1` at RCPT TO. */
  refuse: Set<string>;
  /** Runs once a message is fully received and kept, before the server answers 250. */
  beforeAccepting?: (mail: ReceivedMail) => Promise<void>;
  mailsFor(key: string): ReceivedMail[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const port = await freePort();
  let server: SMTPServer | undefined;
  const smtp: TestSmtpServer = {
    url: `smtp://127.0.0.1:${port}`,
    received: [],
    recipientAttempts: [],
    refuse: new Set(),
    mailsFor: (key) => smtp.received.filter((mail) => mail.key === key),
    async start() {
      server = new SMTPServer({
        authOptional: true,
        // Plain SMTP on loopback: nodemailer would otherwise upgrade and distrust a self-signed certificate.
        disabledCommands: ['STARTTLS'],
        logger: false,
        onRcptTo(address, _session, callback) {
          smtp.recipientAttempts.push(address.address);
          if (!smtp.refuse.has(address.address)) return callback();
          callback(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
        },
        onData(stream, session, callback) {
          void simpleParser(stream)
            .then(async (parsed) => {
              const mail: ReceivedMail = {
                key: String(parsed.headers.get('x-tenure-notice') ?? ''),
                messageId: parsed.messageId ?? '',
                envelopeTo: session.envelope.rcptTo.map((address) => address.address),
                parsed,
              };
              smtp.received.push(mail);
              await smtp.beforeAccepting?.(mail);
            })
            .then(() => callback(), callback);
        },
      });
      await new Promise<void>((ready, fail) => {
        server!.once('error', fail);
        server!.listen(port, '127.0.0.1', () => ready());
      });
    },
    async stop() {
      await new Promise<void>((done) => server?.close(() => done()) ?? done());
      server = undefined;
    },
  };
  await smtp.start();
  return smtp;
}

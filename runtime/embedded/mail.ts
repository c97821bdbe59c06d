// A local SMTP catcher for `npm start` without SMTP_URL: accepts every message and
// keeps it as an .eml file under the data directory, so nothing is sent by accident.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SMTPServer } from 'smtp-server';

export interface RunningMailCatcher {
  url: string;
  stop(): Promise<void>;
}

export async function startMailCatcher(options: { port: number; mailDir: string }): Promise<RunningMailCatcher> {
  const mailDir = resolve(options.mailDir);
  await mkdir(mailDir, { recursive: true });
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // At stop, senders still connected (a worker run apart with SMTP_URL pointing here) are told
    // 421, SMTP's "try again later", after this instead of 30 s: a notice is sent again, not lost.
    closeTimeout: 2_000,
    onData(stream, session, callback) {
      const file = join(mailDir, `${Date.now()}-${session.id}-${++received}.eml`);
      pipeline(stream, createWriteStream(file)).then(() => callback(), callback);
    },
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', (error) => fail(new Error(`the local mail catcher cannot listen on ${options.port} (${error.message})`)));
    server.listen(options.port, '127.0.0.1', () => ready());
  });
  return {
    url: `smtp://127.0.0.1:${options.port}`,
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
}

// A Tenure whose notices go to a test SMTP server that the test reads and can stop and start.
import { startTenure, type Tenure } from '../support/tenure.js';
import { startSmtpServer, type TestSmtpServer } from './smtp.js';

export interface TenureWithSmtp extends Tenure {
  /** The server at `smtpUrl`. */
  smtp: TestSmtpServer;
}

/** Starts the SMTP server, then a Tenure that delivers to it; `close` stops both, Tenure first. */
export async function startTenureWithSmtp(options: { worker?: boolean } = {}): Promise<TenureWithSmtp> {
  const smtp = await startSmtpServer();
  const tenure = await startTenure({ ...options, smtpUrl: smtp.url }).catch(async (error: unknown) => {
    await smtp.stop();
    throw error;
  });
  return {
    ...tenure,
    smtp,
    async close() {
      await tenure.close();
      await smtp.stop();
    },
  };
}

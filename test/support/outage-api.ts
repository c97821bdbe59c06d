// An API of a test Tenure whose Temporal is unreachable: its own database, a Temporal client of
// another address. What a caller meets while Temporal is down, answered by Tenure's own app.
import { createServer } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app.js';
import { createLogger } from '../../platform/logger.js';
import { clientInterceptors } from '../../runtime/temporal.js';
import type { Tenure } from './tenure.js';

export interface OutageApi {
  url: string;
  close(): Promise<void>;
}

/** The API of `tenure`, on its database, with a client of the Temporal at `address` whose calls give up after `deadlineMs`. */
export async function apiWithTemporalAt(tenure: Tenure, address: string, deadlineMs: number): Promise<OutageApi> {
  const client = new Client({ connection: Connection.lazy({ address, interceptors: clientInterceptors(deadlineMs) }), namespace: 'default' });
  const app = createApp({ db: tenure.db, temporal: client, taskQueue: tenure.taskQueue, logger: createLogger('silent'), readiness: async () => ({}) });
  const server = createServer(app.callback());
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await client.connection.close();
    },
  };
}

// Wires a process to its Temporal server, database and mail server, shared by
// `npm start`, `npm run api` and `npm run worker`.
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { sql } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle, type QueryDeadlines } from '../db/client.js';
import { ConfigError, type Config } from './config.js';
import { connectClient } from './temporal.js';

export async function openCheckedDatabase(url: string, deadlines: QueryDeadlines): Promise<DatabaseHandle> {
  const handle = openDatabase(url, { deadlines });
  try {
    await handle.db.execute(sql`select 1`);
    return handle;
  } catch (error) {
    await handle.close().catch(() => {});
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const where = new URL(url);
    throw new ConfigError('DATABASE_URL', `cannot reach PostgreSQL at ${where.host}${where.pathname} (${reason})`);
  }
}

export async function openTemporalClient(config: Config, address: string, dataConverter: DataConverter): Promise<Client> {
  const connection = await connectClient(config, address);
  try {
    await connection.workflowService.getSystemInfo({});
  } catch (error) {
    await connection.close();
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError('TEMPORAL_ADDRESS', `cannot reach Temporal at ${address} (${reason})`);
  }
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
}

// A database made by an earlier version of Tenure is brought up to date at the next start:
// only the migrations it lacks are applied, and what it holds is kept.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/client.js';
import { applyMigrations, migrationsApplied } from '../../db/migrate.js';

const migrationsFolder = fileURLToPath(new URL('../../db/migrations', import.meta.url));
const opened: DatabaseHandle[] = [];
const scratch: string[] = [];
afterAll(async () => {
  await Promise.all(opened.map((handle) => handle.close()));
  await Promise.all(scratch.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function freshDatabase(): Promise<DatabaseHandle> {
  const adminUrl = inject('postgresAdminUrl');
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const name = `earlier_${Date.now()}`;
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const handle = openDatabase(adminUrl.replace(/\/[^/]+$/, `/${name}`));
  opened.push(handle);
  return handle;
}

/** The migrations folder as the first release shipped it: the init migration alone. */
async function initMigrationOnly(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'tenure-migrations-'));
  scratch.push(folder);
  await cp(migrationsFolder, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: { tag: string }[] };
  await writeFile(journalPath, JSON.stringify({ ...journal, entries: journal.entries.filter((entry) => entry.tag === '0000_init') }));
  return folder;
}

const indexNamed = async ({ db }: DatabaseHandle, name: string) =>
  (await db.execute<{ found: boolean }>(sql`select exists (select from pg_indexes where indexname = ${name}) as found`))[0]!.found;

describe('migrations at start', () => {
  it('a database made by the init migration gains the later ones, and keeps its rows', async () => {
    const database = await freshDatabase();
    await migrate(database.db, { migrationsFolder: await initMigrationOnly() });
    await database.db.execute(sql`insert into partners (id, name) values ('00000000-0000-4000-8000-000000000001', 'Earlier MSP')`);
    expect(await indexNamed(database, 'outbox_subject_cycle')).toBe(false);
    expect(await migrationsApplied(database.db)).toBe(false);

    await applyMigrations(database.db);

    expect(await indexNamed(database, 'outbox_subject_cycle')).toBe(true);
    expect(await migrationsApplied(database.db)).toBe(true);
    const partners = await database.db.execute<{ name: string }>(sql`select name from partners`);
    expect(partners.map((partner) => partner.name)).toEqual(['Earlier MSP']);
  });
});

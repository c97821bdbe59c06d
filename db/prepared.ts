// Statements that run for every license an issue, a sync or a mass expiry touches, prepared
// once per database handle instead of built on every call. Building the SQL text was a tenth of
// the API and worker's CPU per license (issue 13: drizzle walks the query tree each time), and a
// named statement lets PostgreSQL parse and plan it once per connection. Values go in through
// `sql.placeholder(name)` and `.execute({ name: value })`.
//
// Only for statements of a fixed shape run on the pool: one made from a transaction's handle
// runs in that transaction, and is kept only as long as the handle is.
import { sql, type SQL } from 'drizzle-orm';

export function preparedOnce<Handle extends object, Statement>(prepare: (db: Handle) => Statement): (db: Handle) => Statement {
  const statements = new WeakMap<Handle, Statement>();
  return (db) => {
    let statement = statements.get(db);
    if (statement === undefined) {
      statement = prepare(db);
      statements.set(db, statement);
    }
    return statement;
  };
}

/**
 * A placeholder as SQL: its value goes in as the driver sends it (JSON and timestamps as text),
 * cast where PostgreSQL cannot tell the type. drizzle would encode a placeholder in `values()` by
 * its column instead, but cannot encode a null timestamp, and writes a null JSON value as `null`.
 */
export function slot(name: string, cast?: string): SQL {
  return cast ? sql`${sql.placeholder(name)}::${sql.raw(cast)}` : sql`${sql.placeholder(name)}`;
}

import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * One statement straight on the `pg` pool under TypeORM, for the hot paths that run a single
 * self-contained statement per step (the auth guard, a `none`-site registration, the one-click
 * unsubscribe): no QueryRunner is created and released and no subscriber events are broadcast,
 * which was 6-9% of a registration's CPU. Same pool, same connections, same type parsing; the
 * rows are returned as `DataSource.query` returns them for a SELECT. Not for transactions: use
 * an EntityManager there.
 *
 * With `name` the statement is prepared once per connection (pg keeps track) and afterwards only
 * bound and executed: its text is not sent and PostgreSQL does not parse and plan it again. Such
 * statements must not select `*` from a table (list the columns; see SUBSCRIBER_COLUMNS).
 */
export async function poolQuery<T>(db: DataSource, sql: string, params: unknown[], name?: string): Promise<T[]> {
  const pool = (db.driver as PostgresDriver).master as Pool;
  const result = name ? await pool.query({ name, text: sql, values: params }) : await pool.query(sql, params);
  return result.rows as T[];
}

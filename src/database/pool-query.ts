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

/** What `poolTransaction` hands its callback: `poolQuery` on the transaction's connection. */
export type TxQuery = <T>(sql: string, params: unknown[], name?: string) => Promise<T[]>;

/**
 * BEGIN … COMMIT on one connection of the same pool, for a hot path whose transaction is a
 * statement or two around a non-database step (the registration's queue add before COMMIT).
 * Any error rolls back and is rethrown; a connection that failed mid-way is discarded.
 */
export async function poolTransaction<T>(db: DataSource, fn: (query: TxQuery) => Promise<T>): Promise<T> {
  const pool = (db.driver as PostgresDriver).master as Pool;
  const client = await pool.connect();
  // A checked-out client has no listener of its own: a dropped connection would otherwise be an
  // uncaught 'error' event. The failing query rejects as well, which is what we act on.
  let lost: Error | undefined;
  const onError = (error: Error) => (lost = error);
  client.on('error', onError);
  const release = (error?: Error) => {
    client.removeListener('error', onError);
    client.release(error ?? lost);
  };
  const query: TxQuery = async <R>(sql: string, params: unknown[], name?: string) =>
    (name ? await client.query({ name, text: sql, values: params }) : await client.query(sql, params)).rows as R[];
  try {
    await client.query('BEGIN');
    const result = await fn(query);
    await client.query('COMMIT');
    release();
    return result;
  } catch (error) {
    const broken = await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackError: Error) => rollbackError,
    );
    release(broken);
    throw error;
  }
}

import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Logger } from 'pino';
import * as schema from './schema.js';

/** The pool-backed drizzle handle. */
export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A drizzle handle on one pooled connection with a transaction open on it (see inTransaction). */
export type Tx = NodePgDatabase<typeof schema> & { $client: pg.PoolClient };
/** Anything that can run a query: the pool-backed db or an open transaction. */
export type Executor = Db | Tx;

export interface Database {
  pool: pg.Pool;
  db: Db;
  close(): Promise<void>;
}

/** Opens a node-postgres pool and wraps it with drizzle. */
export function connectDatabase(url: string, options: { max: number; log: Logger; applicationName?: string }): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max,
    application_name: options.applicationName ?? 'benchline',
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => options.log.error({ err }, 'idle database client error'));
  // Nor a checked-out one (pg-pool only listens while a client is idle): its query rejects anyway,
  // e.g. when the server terminates connections at shutdown, so the event only needs a listener.
  pool.on('connect', (client) => {
    client.on('error', (err) => options.log.warn({ err }, 'database connection lost'));
  });
  const db = drizzle(pool, { schema });
  return { pool, db, close: () => pool.end() };
}

// One drizzle handle per pooled connection, made the first time it runs a transaction.
const handles = new WeakMap<pg.PoolClient, Tx>();

/**
 * Runs `work` in a transaction on one pooled connection: BEGIN, work, COMMIT (ROLLBACK and
 * rethrow on error); `snapshot: 'read only'` makes it a repeatable-read, read-only one. Plain statements rather than drizzle's transaction wrapper, which renders
 * BEGIN/COMMIT through its query builder on every call.
 */
export async function inTransaction<T>(
  db: Db,
  work: (tx: Tx) => Promise<T>,
  options: { snapshot?: 'read only' } = {},
): Promise<T> {
  const client = await db.$client.connect();
  let broken: Error | undefined;
  try {
    // A read-only snapshot: every statement sees the same committed state (consistent reports).
    await client.query(options.snapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
    try {
      let tx = handles.get(client);
      if (!tx) handles.set(client, (tx = drizzle(client, { schema })));
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw err;
    }
  } finally {
    // A connection whose ROLLBACK failed is in an unknown state: the pool discards it.
    client.release(broken);
  }
}

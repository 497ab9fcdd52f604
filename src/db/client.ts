import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Logger } from 'pino';
import * as schema from './schema.js';

export type Db = NodePgDatabase<typeof schema>;
/** A drizzle transaction handle. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
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

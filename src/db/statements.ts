import { getTableColumns, type Table } from 'drizzle-orm';
import pg from 'pg';
import type { Executor } from './client.js';

/**
 * Named prepared statements for the command hot path.
 *
 * drizzle's query builder renders SQL on every call (about 0.1 ms of CPU per statement, a fifth of
 * a socket command's CPU in the realtime benchmark), and an unnamed statement is parsed and
 * planned by PostgreSQL on every call. A named statement is rendered once, when its module loads,
 * and prepared once per connection. Rows are mapped with the drizzle table's own column codecs,
 * fed the same raw driver values drizzle's node-postgres session gets, so a row read here equals
 * the row the builder would return.
 */

// Type ids drizzle's node-postgres session reads as raw strings (timestamps, dates, intervals and
// their arrays); its column codecs expect those strings.
const RAW_TYPE_IDS = new Set([1184, 1114, 1082, 1186, 1231, 1115, 1185, 1187, 1182]);
const rawText = (value: string): string => value;
const driverTypes = {
  getTypeParser: ((typeId: number, format?: 'text' | 'binary') =>
    RAW_TYPE_IDS.has(typeId) ? rawText : pg.types.getTypeParser(typeId, format)) as typeof pg.types.getTypeParser,
};

type Queryable = pg.Pool | pg.ClientBase;

/** The node-postgres pool or client behind a drizzle handle (the pool-backed db or a transaction). */
export const clientOf = (executor: Executor): Queryable => executor.$client;

type Codec = { key: string; column: string; decode: (value: unknown) => unknown };

/** `"t"."id", "t"."status", …` (or `"t"."id" AS "p_id", …` with a prefix) for SELECT and RETURNING lists. */
export function columnList(table: Table, alias: string, prefix = ''): string {
  return Object.values(getTableColumns(table))
    .map((c) => (prefix ? `"${alias}"."${c.name}" AS "${prefix}${c.name}"` : `"${alias}"."${c.name}"`))
    .join(', ');
}

/** Maps a raw row (column names, optionally prefixed) to the table's drizzle row type. */
export function rowMapper<T extends Table>(table: T, prefix = ''): (raw: Record<string, unknown>) => T['$inferSelect'] {
  const codecs: Codec[] = Object.entries(getTableColumns(table)).map(([key, column]) => ({
    key,
    column: prefix + column.name,
    decode: (value: unknown) => column.mapFromDriverValue(value),
  }));
  return (raw) => {
    const row: Record<string, unknown> = {};
    for (const codec of codecs) {
      const value = raw[codec.column];
      row[codec.key] = value === null || value === undefined ? null : codec.decode(value);
    }
    return row as T['$inferSelect'];
  };
}

/** A statement prepared once per connection; `run` returns the raw rows. */
export interface Statement {
  readonly name: string;
  run(executor: Executor, values: unknown[]): Promise<Record<string, unknown>[]>;
}

const names = new Set<string>();

/** Declares a named statement. Names are global per connection, so each must be unique. */
export function defineStatement(name: string, text: string): Statement {
  if (names.has(name)) throw new Error(`statement ${name} is defined twice`);
  names.add(name);
  return {
    name,
    async run(executor, values) {
      const result = await clientOf(executor).query<Record<string, unknown>>({ name, text, values, types: driverTypes });
      return result.rows;
    },
  };
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config/config.js';
import { ManualClock } from '../../src/domain/clock.js';
import { startProduct, type RunningProduct } from '../../src/product.js';

/** Connection string of the run's server (set by global-database.ts). */
export function testServerUrl(): string {
  const url = process.env.BENCHLINE_TEST_SERVER_URL;
  if (!url) throw new Error('BENCHLINE_TEST_SERVER_URL is not set: run the tests with mocha (see .mocharc.json)');
  return url;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Drops a test database once its connections are gone. A client that closed its socket can still
 * show in pg_stat_activity for a moment; FORCE then terminates it, and the termination notice can
 * reach a client object that is still being torn down. Waiting first avoids that race.
 */
async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (let i = 0; i < 50; i++) {
      const open = await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
      if (open.rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Creates an empty database of its own on the test server; returns its URL and a drop function. */
export async function createTestDatabase(prefix = 'bl'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return {
    url: withDatabase(testServerUrl(), name),
    name,
    drop: () => dropDatabase(name),
  };
}

export const ADMIN = { username: 'admin', password: 'admin-password-1' };

/** Environment of a product under test; override per test file. */
export function testEnv(databaseUrl: string, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256',
    PASSWORD_HASH_COST: '10',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    DB_POOL_MAX: '40',
    // Tests run evaluations themselves (POST /sla/evaluate) at the instants they choose.
    SLA_EVALUATE_EVERY_SECONDS: '86400',
    ...overrides,
  };
}

export interface TestProduct {
  product: RunningProduct;
  config: Config;
  clock: ManualClock | undefined;
  databaseUrl: string;
  close(): Promise<void>;
}

/** Starts the real product (HTTP on a free port) on a fresh database. */
export async function startTestProduct(
  options: { env?: Record<string, string>; manualClock?: boolean } = {},
): Promise<TestProduct> {
  const database = await createTestDatabase();
  const config = loadConfig(testEnv(database.url, options.env));
  const clock = options.manualClock ? new ManualClock(new Date('2026-03-02T08:00:00Z')) : undefined;
  const product = await startProduct(config, { log: pino({ level: 'silent' }), clock });
  return {
    product,
    config,
    clock,
    databaseUrl: database.url,
    close: async () => {
      await product.close();
      await database.drop();
    },
  };
}

/** Mocha hook pair: one product per describe block. */
export function useProduct(options: Parameters<typeof startTestProduct>[0] = {}): { readonly current: TestProduct } {
  const holder: { current?: TestProduct } = {};
  before(async function () {
    this.timeout(60_000);
    holder.current = await startTestProduct(options);
  });
  after(async () => {
    await holder.current?.close();
  });
  return {
    get current(): TestProduct {
      if (!holder.current) throw new Error('product not started');
      return holder.current;
    },
  };
}

/** A direct node-postgres connection to a test database (errors after the database is dropped are ignored). */
export async function connectSql(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'benchline-db-test' });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** useProduct plus a direct SQL connection to its database, closed before the database is dropped. */
export function useProductWithSql(
  options: Parameters<typeof startTestProduct>[0] = {},
): { readonly current: TestProduct; sql(): pg.Client } {
  let client: pg.Client | undefined;
  // Registered before useProduct's hooks: mocha runs `after` hooks in order, so this closes first.
  after(async () => {
    await client?.end().catch(() => undefined);
  });
  const product = useProduct(options);
  before(async () => {
    client = await connectSql(product.current.databaseUrl);
  });
  return {
    get current() {
      return product.current;
    },
    sql: () => {
      if (!client) throw new Error('no database connection');
      return client;
    },
  };
}

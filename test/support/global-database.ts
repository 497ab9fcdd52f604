import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded-postgres.js';

/**
 * One PostgreSQL server for the whole run: the machine's server when TEST_DATABASE_URL is set,
 * otherwise an embedded one in a temp dir (the same mechanism `npm start` uses). Each test file
 * then creates its own database on it (see harness.ts), so files are isolated.
 */
let embedded: EmbeddedDatabase | undefined;
let dataDir: string | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    process.env.BENCHLINE_TEST_SERVER_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  dataDir = await mkdtemp(path.join(tmpdir(), 'benchline-test-'));
  embedded = await startEmbeddedPostgres({
    dataDir,
    database: 'benchline_test',
    log: pino({ level: 'warn' }),
    // A throwaway cluster: durability buys nothing here.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
  });
  process.env.BENCHLINE_TEST_SERVER_URL = embedded.url;
}

export async function mochaGlobalTeardown(): Promise<void> {
  await embedded?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}

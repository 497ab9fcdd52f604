/**
 * A fresh database for a benchmark script: on BENCH_DATABASE_URL's server when set, otherwise on
 * an embedded PostgreSQL in a temp dir (fsync on, like `npm start`). `cleanup` drops it (and stops
 * the embedded server), unless `keep` and a server URL were given.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded-postgres.js';

export async function benchDatabase(
  prefix: string,
  options: { log: Logger; keep?: boolean },
): Promise<{ url: string; cleanup: () => Promise<void> }> {
  const base = process.env.BENCH_DATABASE_URL;
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let adminUrl: string;
  if (base) {
    adminUrl = base;
  } else {
    dataDir = await mkdtemp(path.join(tmpdir(), `benchline-${prefix}-`));
    embedded = await startEmbeddedPostgres({ dataDir, database: 'postgres', log: options.log });
    adminUrl = embedded.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    cleanup: async () => {
      if (options.keep && base) {
        console.log(`kept database ${u.toString()}`);
        return;
      }
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      await embedded?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

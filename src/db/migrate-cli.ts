import { loadConfig } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { connectDatabase } from './client.js';
import { runMigrations } from './migrate.js';

/** `npm run db:migrate`: applies migrations to DATABASE_URL without starting the product. */
const config = loadConfig();
const log = createLogger(config.logLevel);
if (!config.databaseUrl) {
  log.error('DATABASE_URL is required for db:migrate (npm start migrates the embedded database itself)');
  process.exit(1);
}
const database = connectDatabase(config.databaseUrl, { max: 1, log });
try {
  await runMigrations(database.pool);
  log.info('migrations applied');
} finally {
  await database.close();
}

/**
 * `npm run check:sessions`: compares every work session's stored active seconds (and status) with
 * the value recomputed from its transition log, prints the differences and exits 1 if there are
 * any (0 when consistent, 2 when it could not check). Reads DATABASE_URL, or the embedded
 * database in DATA_DIR (attaching to a running product's cluster without disturbing it).
 * `--limit N` lists at most N differences (default 1000).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { connectDatabase } from '../db/client.js';
import { createLogger } from '../observability/logger.js';
import { checkSessionConsistency } from '../queries/session-consistency.query.js';

const { values } = parseArgs({ options: { limit: { type: 'string', default: '1000' } } });
const limit = Number(values.limit);
if (!Number.isInteger(limit) || limit < 1) {
  process.stderr.write('--limit must be a positive whole number\n');
  process.exit(2);
}

const config = loadConfig();
// The report is the output: info-level start-up lines (embedded server started …) would mix into it.
const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
let url = config.databaseUrl;
let stopEmbedded = async (): Promise<void> => undefined;
if (!url) {
  const { attachOrStartEmbeddedPostgres } = await import('../db/embedded-postgres.js');
  const embedded = await attachOrStartEmbeddedPostgres({ dataDir: config.dataDir, database: 'benchline', log });
  url = embedded.url;
  stopEmbedded = embedded.stop;
}
const database = connectDatabase(url, { max: 1, log, applicationName: 'benchline-check-sessions' });
let exitCode = 2;
try {
  const report = await checkSessionConsistency(database.db, limit);
  const out = process.stdout;
  out.write(`checked ${report.checkedSessions} work sessions: ${report.inconsistentSessions} inconsistent\n`);
  for (const d of report.differences) {
    out.write(
      `  session ${d.sessionId} (technician ${d.technicianId}, ticket ${d.ticketId}): ` +
        `stored ${d.storedActiveSeconds} s, recomputed ${d.recomputedActiveSeconds} s (difference ${d.differenceSeconds} s); ` +
        `status ${d.status}, last logged ${d.loggedStatus ?? 'nothing'}\n`,
    );
  }
  if (report.differences.length < report.inconsistentSessions) {
    out.write(`  … and ${report.inconsistentSessions - report.differences.length} more (--limit)\n`);
  }
  if (!report.consistent) out.write('repair one with POST /api/v1/work-sessions/:id/recalculate\n');
  exitCode = report.consistent ? 0 : 1;
} catch (err) {
  process.stderr.write(`check:sessions failed: ${err instanceof Error ? err.message : String(err)}\n`);
} finally {
  await database.close();
  await stopEmbedded();
}
process.exit(exitCode);

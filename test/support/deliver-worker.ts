/**
 * A throwaway `sla:deliver` worker process for the "worker killed mid-delivery" test:
 *   node --import tsx test/support/deliver-worker.ts <databaseUrl> <deliveryId> <nowIso>
 * It runs the product's deliverSlaEvent with its own pool and a clock frozen at <nowIso>, prints
 * `outcome <json>` when done. The test kills it (SIGKILL) while the receiver holds the POST.
 */
import pino from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { connectDatabase } from '../../src/db/client.js';
import { ManualClock } from '../../src/domain/clock.js';
import { noJobQueue } from '../../src/jobs/job-queue.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { deliverSlaEvent } from '../../src/sla/deliver-sla-event.js';
import { testEnv } from './harness.js';

const [databaseUrl, deliveryId, nowIso] = process.argv.slice(2);
if (!databaseUrl || !deliveryId || !nowIso) {
  process.stderr.write('usage: deliver-worker.ts <databaseUrl> <deliveryId> <nowIso>\n');
  process.exit(2);
}
const log = pino({ level: 'silent' });
const config = loadConfig(testEnv(databaseUrl));
const database = connectDatabase(databaseUrl, { max: 2, log, applicationName: 'benchline-test-deliver-worker' });
const deps = { db: database.db, clock: new ManualClock(new Date(nowIso)), config, log, metrics: createMetrics(), jobs: noJobQueue };
process.stdout.write('ready\n');
const outcome = await deliverSlaEvent(deps, deliveryId);
process.stdout.write(`outcome ${JSON.stringify(outcome)}\n`);
await database.close();

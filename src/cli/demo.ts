/**
 * `npm run demo [-- --live] [-- --days N]`: starts the product exactly like `npm start` (embedded
 * PostgreSQL in DATA_DIR unless DATABASE_URL is set), seeds a demo shop through the product's own
 * commands if the database does not hold it yet, prints the URLs and a login for every role, and
 * keeps serving. With --live, simulated technicians and supervisors keep working so a wallboard
 * sees pushes. SIGINT/SIGTERM stop the simulation after its current round, then the product.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { demoWelcome, DemoRefusedError, LIVE_PACE, seedDemoShop, type SettableClock } from '../demo/demo-shop.js';
import { prng } from '../demo/prng.js';
import { ShopSimulation } from '../demo/shop-simulation.js';
import { createLogger } from '../observability/logger.js';
import { startProduct } from '../product.js';

/** The system clock, shifted while the seeder replays past shifts; `reset` returns it to real time. */
class ShiftableClock implements SettableClock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  set(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }
  reset(): void {
    this.offsetMs = 0;
  }
}

const { values } = parseArgs({
  options: { live: { type: 'boolean', default: false }, days: { type: 'string', default: '3' } },
});
const days = Number(values.days);
if (!Number.isInteger(days) || days < 0 || days > 30) {
  process.stderr.write('--days must be a whole number from 0 to 30\n');
  process.exit(2);
}
let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
const log = createLogger(config.logLevel);
const clock = new ShiftableClock();
const product = await startProduct(config, { log, clock });

let stopping = false;
let timer: NodeJS.Timeout | undefined;
let round: Promise<void> = Promise.resolve();
const stop = (reason: string, code = 0): void => {
  if (stopping) process.exit(1);
  stopping = true;
  log.info({ reason }, 'demo stopping');
  clearTimeout(timer);
  round
    .then(() => product.close())
    .then(
      () => process.exit(code),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

try {
  log.info({ days }, 'seeding the demo shop (skipped if it is already there)');
  const shop = await seedDemoShop(product.deps, clock, { log, days });
  clock.reset();
  const where = config.databaseUrl ? 'on DATABASE_URL' : `on the embedded PostgreSQL in ${config.dataDir}`;
  process.stdout.write(demoWelcome(shop, product.url, where, values.live));
  if (values.live && !stopping) {
    const simulation = new ShopSimulation(product.deps, shop.cast, prng(Date.now() >>> 0), LIVE_PACE);
    // One round at a time: the next is scheduled once the last one is done.
    const scheduleRound = (): void => {
      timer = setTimeout(() => {
        round = simulation
          .tick()
          .catch((err: unknown) => log.warn({ err }, 'demo round failed (someone else moved first?); the next one goes on'))
          .then(() => {
            if (!stopping) scheduleRound();
          });
      }, LIVE_PACE.tickSeconds * 1000);
    };
    scheduleRound();
  }
} catch (err) {
  // A signal during seeding closes the product under it; that shutdown exits.
  if (!stopping) {
    if (err instanceof DemoRefusedError) process.stderr.write(`npm run demo: ${err.message}\n`);
    else log.error({ err }, 'demo seeding failed');
    stop('seeding failed', 1);
  }
}

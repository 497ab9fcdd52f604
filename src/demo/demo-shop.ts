import type { Logger } from 'pino';
import type { Actor, Role } from '../auth/actor.js';
import { ensureFirstAdmin } from '../auth/bootstrap-admin.js';
import type { AppDeps } from '../commands/command.js';
import { createPart } from '../commands/create-part.command.js';
import { createUser } from '../commands/create-user.command.js';
import { runCommand } from '../commands/run-command.js';
import type { Clock } from '../domain/clock.js';
import { countTickets } from '../repositories/ticket.repository.js';
import { countUsers, findUserByUsername, listUsers } from '../repositories/user.repository.js';
import { prng } from './prng.js';
import { DEMO_PARTS, ShopSimulation, type DemoCast, type Pace } from './shop-simulation.js';

/** A login of the demo shop. The passwords are public: the demo is for a local machine. */
export interface DemoCredential {
  role: Role;
  username: string;
  password: string;
  displayName: string;
}

const demoUser = (role: Role, username: string, displayName: string): DemoCredential => ({
  role,
  username,
  password: `${username}-pass`,
  displayName,
});

/** Every role, first the admin that creates the others. */
export const DEMO_USERS: readonly DemoCredential[] = [
  demoUser('ADMIN', 'demo.admin', 'Ada Admin'),
  demoUser('SUPERVISOR', 'demo.supervisor', 'Sam Supervisor'),
  demoUser('SUPERVISOR', 'demo.qc', 'Quinn QC'),
  demoUser('TECHNICIAN', 'demo.ana', 'Ana Ortiz'),
  demoUser('TECHNICIAN', 'demo.ben', 'Ben Kowalski'),
  demoUser('TECHNICIAN', 'demo.chen', 'Chen Wei'),
  demoUser('TECHNICIAN', 'demo.dara', 'Dara Okafor'),
  demoUser('TECHNICIAN', 'demo.eli', 'Eli Novak'),
  demoUser('TECHNICIAN', 'demo.farah', 'Farah Haddad'),
  demoUser('WALLBOARD', 'demo.wallboard', 'Floor wallboard'),
];

/** The history runs in 10-minute rounds, working at the pace the flag minutes say. */
export const HISTORY_PACE: Pace = { tickSeconds: 600, workFactor: 1 };
/** `--live`: a round every 3 s, a ticket's work done in a fortieth of its flag time. */
export const LIVE_PACE: Pace = { tickSeconds: 3, workFactor: 1 / 40 };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A clock the seeder can set to past instants (the demo's own clock; tests' ManualClock). */
export interface SettableClock extends Clock {
  set(at: Date): void;
}

/** The database holds a shop that is not the demo's: seeding it would mix fake work into real data. */
export class DemoRefusedError extends Error {
  override readonly name = 'DemoRefusedError';
}

export interface DemoShop {
  cast: DemoCast;
  credentials: readonly DemoCredential[];
  /** False when the database already held the demo shop (nothing was added). */
  seeded: boolean;
}

const actorOf = (row: { id: string; username: string; role: string }): Actor => ({
  id: row.id,
  username: row.username,
  role: row.role as Role,
});

/** The demo users, created where missing (the first admin bootstraps an empty users table). */
async function ensureDemoUsers(deps: AppDeps, log: Logger): Promise<DemoCast> {
  const [adminLogin, ...others] = DEMO_USERS as [DemoCredential, ...DemoCredential[]];
  let adminRow = await findUserByUsername(deps.db, adminLogin.username);
  if (!adminRow) {
    if ((await countUsers(deps.db)) === 0) {
      await ensureFirstAdmin(deps.db, adminLogin, deps.config.passwordHashCost, log);
    } else {
      const acting = (await listUsers(deps.db, { role: 'ADMIN' })).find((u) => u.active);
      if (!acting) throw new DemoRefusedError('the database has users but no active admin to create the demo users with');
      await runCommand(deps, createUser, actorOf(acting), { ...adminLogin });
    }
    adminRow = await findUserByUsername(deps.db, adminLogin.username);
  }
  const admin = actorOf(adminRow!);
  const cast: DemoCast = { admin, supervisors: [], technicians: [] };
  for (const login of others) {
    let row = await findUserByUsername(deps.db, login.username);
    if (!row) {
      await runCommand(deps, createUser, admin, { ...login });
      row = await findUserByUsername(deps.db, login.username);
    }
    if (login.role === 'SUPERVISOR') cast.supervisors.push(actorOf(row!));
    if (login.role === 'TECHNICIAN') cast.technicians.push(actorOf(row!));
  }
  return cast;
}

/**
 * Seeds a living demo shop through the product's own commands: users of every role, the parts
 * catalog, and `days` days of 8-hour shifts (plus the current shift, begun 4 hours ago) of
 * technicians working tickets with breaks, stockouts, QC passes and fails, run on `clock` set to
 * the past; then every ticket status and an open stockout are made sure of, and the clock is back
 * at the instant seeding began. Idempotent: a database that already has the demo users and
 * tickets is left as it is; one with tickets but no demo users is refused.
 */
export async function seedDemoShop(
  deps: AppDeps,
  clock: SettableClock,
  options: { log: Logger; days?: number; seed?: number },
): Promise<DemoShop> {
  const tickets = await countTickets(deps.db);
  if (tickets > 0 && !(await findUserByUsername(deps.db, DEMO_USERS[0]!.username))) {
    throw new DemoRefusedError(
      `the database already holds ${tickets} tickets that are not the demo's; run the demo on a fresh DATA_DIR or DATABASE_URL`,
    );
  }
  const cast = await ensureDemoUsers(deps, options.log);
  if (tickets > 0) return { cast, credentials: DEMO_USERS, seeded: false };

  for (const part of DEMO_PARTS) await runCommand(deps, createPart, cast.admin, { ...part });
  const simulation = new ShopSimulation(deps, cast, prng(options.seed ?? 20260302), HISTORY_PACE);
  const end = clock.now();
  const days = options.days ?? 3;
  for (let day = days; day >= 0; day--) {
    const shiftEnd = end.getTime() - day * DAY;
    const shiftStart = shiftEnd - (day === 0 ? 4 : 8) * HOUR;
    clock.set(new Date(shiftStart));
    await simulation.startShift();
    for (let at = shiftStart + HISTORY_PACE.tickSeconds * 1000; at <= shiftEnd; at += HISTORY_PACE.tickSeconds * 1000) {
      clock.set(new Date(at));
      await simulation.tick();
    }
    if (day > 0) await simulation.endShift();
  }
  clock.set(end);
  await simulation.ensureEveryStatusAndAStockout();
  return { cast, credentials: DEMO_USERS, seeded: true };
}

/** What `npm run demo` prints: where the shop is and how to log in as each role. */
export function demoWelcome(shop: DemoShop, url: string, where: string, live: boolean): string {
  const width = Math.max(...shop.credentials.map((c) => c.username.length));
  const logins = shop.credentials.map((c) => `  ${c.role.padEnd(11)} ${c.username.padEnd(width)}  ${c.password}`);
  const [tech] = shop.credentials.filter((c) => c.role === 'TECHNICIAN');
  return [
    '',
    `Benchline demo shop ${shop.seeded ? 'seeded' : 'already seeded, reused'} — ${where}`,
    '',
    `  API        ${url}/api/v1   (OpenAPI: ${url}/openapi.json)`,
    `  Floor      GET ${url}/api/v1/floor, or Socket.IO on ${url} with a wallboard token (floor.snapshot + pushes)`,
    `  Payroll    GET ${url}/api/v1/analytics/payroll?from=YYYY-MM-DD&to=YYYY-MM-DD   (Accept: text/csv for CSV)`,
    '',
    '  role        username' + ' '.repeat(Math.max(0, width - 8)) + '  password',
    ...logins,
    '',
    '  Log in:',
    `    curl -s -X POST ${url}/api/v1/auth/login -H 'content-type: application/json' \\`,
    `      -d '{"username":"${tech!.username}","password":"${tech!.password}"}'`,
    '',
    live
      ? '  Simulated technicians and supervisors are working (--live). Ctrl-C stops the demo.'
      : '  The shop stands still; run `npm run demo -- --live` to keep technicians working. Ctrl-C stops.',
    '',
  ].join('\n');
}

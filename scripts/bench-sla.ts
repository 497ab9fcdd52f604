/**
 * npm run bench:sla — seeds 100k open tickets (plus sessions and stockouts) with SQL and times full
 * SLA evaluations. Prints figures; exits 0 unless it crashes. Options: --tickets N, --keep.
 * Uses an embedded PostgreSQL in a temp dir (fsync on) unless BENCH_DATABASE_URL is set.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { connectDatabase, inTransaction } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { evaluateSla } from '../src/sla/evaluate-sla.js';
import { benchDatabase } from './bench-database.js';

const { values } = parseArgs({ options: { tickets: { type: 'string', default: '100000' }, keep: { type: 'boolean', default: false } } });
const TICKETS = Number(values.tickets);
const TECHNICIANS = 400;
const PARTS = 2000;
const log = pino({ level: 'warn' });

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function main(): Promise<void> {
  const server = await benchDatabase('bench_sla', { log, keep: values.keep });
  const database = connectDatabase(server.url, { max: 4, log });
  const { db } = database;
  try {
    await runMigrations(database.pool);
    const now = new Date();
    const seedStart = process.hrtime.bigint();
    // Everything below is set-based: a handful of statements, whatever the counts.
    await db.execute(sql`
      INSERT INTO users (username, display_name, role, password_hash)
      SELECT 'tech' || g, 'Technician ' || g, 'TECHNICIAN', 'x' FROM generate_series(1, ${TECHNICIANS}) g`);
    await db.execute(sql`
      INSERT INTO inventory_item_parts (sku, name, default_srt_minutes)
      SELECT 'SKU-' || g, 'Part ' || g, 10 + (g % 50) FROM generate_series(1, ${PARTS}) g`);
    await db.execute(sql`
      INSERT INTO inventory_items (serial, model) SELECT 'SN-' || g, 'Model ' || (g % 20) FROM generate_series(1, ${TICKETS}) g`);
    // Statuses: one IN_PROGRESS per technician (the invariant), the rest spread over the open statuses.
    await db.execute(sql`
      WITH techs AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE role = 'TECHNICIAN'),
      items AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM inventory_items)
      INSERT INTO tickets (inventory_item_id, technician_id, status, title, srt_total_minutes, flag_minutes,
                           created_at, status_entered_at, updated_at, started_at)
      SELECT i.id,
             CASE WHEN i.n > ${TECHNICIANS} AND i.n % 5 = 0 THEN NULL ELSE t.id END,
             CASE WHEN i.n <= ${TECHNICIANS} THEN 'IN_PROGRESS'
                  WHEN i.n % 5 = 0 THEN 'UNDER_REVIEW'
                  WHEN i.n % 5 = 1 THEN 'ASSIGNED'
                  WHEN i.n % 5 = 2 THEN 'WAITING_QC'
                  WHEN i.n % 5 = 3 THEN 'REWORK'
                  ELSE 'ASSIGNED' END,
             'Ticket ' || i.n, 30 + (i.n % 60), 36 + (i.n % 60),
             ${now.toISOString()}::timestamptz - make_interval(mins => (i.n % 3000)::int + 10),
             ${now.toISOString()}::timestamptz - make_interval(mins => (i.n % 200)::int),
             ${now.toISOString()}::timestamptz - make_interval(mins => (i.n % 200)::int),
             ${now.toISOString()}::timestamptz - make_interval(mins => (i.n % 180)::int)
      FROM items i JOIN techs t ON t.n = 1 + (i.n % ${TECHNICIANS})`);
    await db.execute(sql`
      INSERT INTO ticket_part_specs (ticket_id, inventory_item_part_id, srt_minutes)
      SELECT t.id, p.id, p.default_srt_minutes
      FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM tickets) t
      JOIN (SELECT id, default_srt_minutes, row_number() OVER (ORDER BY id) AS n FROM inventory_item_parts) p
        ON p.n = 1 + (t.n % ${PARTS}) OR p.n = 1 + ((t.n * 7) % ${PARTS})`);
    // A stopped session on most started tickets, and the open session of each in-progress ticket (some paused).
    await db.execute(sql`
      INSERT INTO work_sessions (ticket_id, technician_id, status, started_at, ended_at, active_seconds, updated_at)
      SELECT id, technician_id, 'STOPPED', started_at, started_at + interval '40 minutes', 2400, started_at + interval '40 minutes'
      FROM tickets WHERE technician_id IS NOT NULL AND status <> 'ASSIGNED'`);
    await db.execute(sql`
      INSERT INTO work_sessions (ticket_id, technician_id, status, started_at, active_seconds, running_since, pause_reason, updated_at)
      SELECT id, technician_id,
             CASE WHEN row_number() OVER (ORDER BY id) % 3 = 0 THEN 'PAUSED' ELSE 'RUNNING' END,
             started_at, 600,
             CASE WHEN row_number() OVER (ORDER BY id) % 3 = 0 THEN NULL ELSE started_at + interval '10 minutes' END,
             CASE WHEN row_number() OVER (ORDER BY id) % 3 = 0 THEN 'BREAK' ELSE NULL END,
             started_at + interval '10 minutes'
      FROM tickets WHERE status = 'IN_PROGRESS'`);
    // Stockouts: resolved ones in the past, overlapping ones, and open ones.
    await db.execute(sql`
      INSERT INTO stockout_incidents (inventory_item_part_id, status, started_at, resolved_at)
      SELECT p.id, 'RESOLVED', ${now.toISOString()}::timestamptz - make_interval(mins => 300 + (p.n * 3)::int),
             ${now.toISOString()}::timestamptz - make_interval(mins => 100 + p.n::int)
      FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM inventory_item_parts) p WHERE p.n <= 40`);
    await db.execute(sql`
      INSERT INTO stockout_incidents (inventory_item_part_id, status, started_at)
      SELECT p.id, 'OPEN', ${now.toISOString()}::timestamptz - make_interval(mins => 30 + p.n::int)
      FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM inventory_item_parts) p WHERE p.n BETWEEN 31 AND 45`);
    await db.execute(sql`ANALYZE`);
    const counts = await db.execute<{ tickets: number; sessions: number; specs: number; stockouts: number }>(sql`
      SELECT (SELECT count(*) FROM tickets WHERE status NOT IN ('DONE','CANCELLED'))::int AS tickets,
             (SELECT count(*) FROM work_sessions)::int AS sessions,
             (SELECT count(*) FROM ticket_part_specs)::int AS specs,
             (SELECT count(*) FROM stockout_incidents)::int AS stockouts`);
    const c = counts.rows[0]!;
    console.log(`seeded in ${(ms(seedStart) / 1000).toFixed(1)} s: ${c.tickets} open tickets, ${c.specs} part specs, ${c.sessions} work sessions, ${c.stockouts} stockouts`);

    const run = async (label: string, at: Date) => {
      const start = process.hrtime.bigint();
      const result = await inTransaction(db, (tx) => evaluateSla(tx, at));
      const took = ms(start);
      console.log(`${label.padEnd(58)} ${took.toFixed(0).padStart(6)} ms  (${result.events.length} events created)`);
      return took;
    };
    if (values.keep) {
      console.log('seeded; skipping evaluation (--keep)');
      return;
    }
    const first = await run('full evaluation, 24/7, first run (creates every due event)', now);
    const steady = await run('full evaluation, 24/7, next minute (cooldowns suppress)', new Date(now.getTime() + 60_000));
    await db.execute(sql`
      INSERT INTO shop_calendar (id, timezone, weekly_hours, holidays) VALUES (1, 'Europe/Berlin',
        '{"mon":[{"start":"08:00","end":"17:00"}],"tue":[{"start":"08:00","end":"17:00"}],"wed":[{"start":"08:00","end":"17:00"}],
          "thu":[{"start":"08:00","end":"17:00"}],"fri":[{"start":"08:00","end":"17:00"}],"sat":[{"start":"09:00","end":"13:00"}]}',
        '["2026-12-25"]')`);
    const calendar = await run('full evaluation, business hours, a week later', new Date(now.getTime() + 7 * 86_400_000));
    const target = 2000;
    console.log('');
    console.log(`target: one full evaluation over ${TICKETS.toLocaleString('en')} open tickets ≤ ${target} ms on a 2-core machine`);
    console.log(`first run ${first.toFixed(0)} ms ${first <= target ? 'PASS' : 'MISS'} · steady ${steady.toFixed(0)} ms ${steady <= target ? 'PASS' : 'MISS'} · calendar ${calendar.toFixed(0)} ms ${calendar <= target ? 'PASS' : 'MISS'}`);
  } finally {
    await database.close();
    await server.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

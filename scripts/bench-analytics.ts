/**
 * npm run bench:analytics — seeds 50 technicians × 30 days of work with SQL (four sessions a day
 * with a pause each, a fifth of the technicians on a night shift whose sessions cross midnight,
 * one session per technician still running, a ticket per session with its QC outcome) and times
 * the month's payroll report. Prints figures; exits 0 unless it crashes.
 * Options: --technicians N (50), --days N (30, the report always covers the last 30), --runs N (7),
 * --explain (print the plan of the payroll statement).
 * Uses an embedded PostgreSQL in a temp dir (fsync on) unless BENCH_DATABASE_URL is set.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { connectDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { resolvePeriod } from '../src/domain/report-period.js';
import { payrollCsv, presentPayroll } from '../src/presenters/payroll.presenter.js';
import { checkSessionConsistency } from '../src/queries/session-consistency.query.js';
import { payrollRows, payrollStatement } from '../src/repositories/analytics.repository.js';
import { benchDatabase } from './bench-database.js';

const { values } = parseArgs({
  options: {
    technicians: { type: 'string', default: '50' },
    days: { type: 'string', default: '30' },
    runs: { type: 'string', default: '7' },
    explain: { type: 'boolean', default: false },
  },
});
const TECHNICIANS = Number(values.technicians);
const DAYS = Number(values.days);
const RUNS = Number(values.runs);
const SESSIONS_PER_DAY = 4;
const REPORT_DAYS = 30;
const TARGET_MS = 1000;
const log = pino({ level: 'warn' });

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// The seeded days end the day before this; the report is the last REPORT_DAYS of them.
const END_DATE = '2026-05-01';
const startDate = (days: number) => new Date(Date.parse(`${END_DATE}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

async function main(): Promise<void> {
  const server = await benchDatabase('bench_analytics', { log });
  const database = connectDatabase(server.url, { max: 2, log });
  const { db } = database;
  try {
    await runMigrations(database.pool);
    const seedStart = process.hrtime.bigint();
    await db.execute(sql`
      INSERT INTO users (username, display_name, role, password_hash)
      SELECT 'tech' || g, 'Technician ' || lpad(g::text, 3, '0'), 'TECHNICIAN', 'x' FROM generate_series(1, ${TECHNICIANS}) g`);
    await db.execute(sql`INSERT INTO users (username, display_name, role, password_hash) VALUES ('boss', 'Boss', 'SUPERVISOR', 'x')`);
    // One row per session: when it starts, its pause, whether it ends (the last one of each technician
    // is still running), its ticket's flag minutes and QC outcome. Night-shift technicians (every
    // fifth) start at 19:00, so their later sessions cross midnight; day shifts start at 07:00.
    await db.execute(sql`
      CREATE TABLE bench_plan AS
      SELECT gen_random_uuid() AS session_id, gen_random_uuid() AS ticket_id, gen_random_uuid() AS item_id,
             t.id AS technician_id, s.started_at,
             s.started_at + make_interval(mins => 40 + s.v) AS paused_at,
             s.started_at + make_interval(mins => 55 + s.v) AS resumed_at,
             s.started_at + make_interval(mins => 110 + s.v) AS stopped_at,
             (95 + s.v) * 60 AS active_seconds,
             CASE WHEN s.seq % 7 = 0 THEN 'STOCKOUT' WHEN s.seq % 11 = 0 THEN 'OTHER'
                  WHEN s.seq % 13 = 0 THEN 'END_OF_SHIFT' ELSE 'BREAK' END AS pause_reason,
             (d = ${DAYS} - 1 AND k = ${SESSIONS_PER_DAY} - 1) AS still_running,
             24 + 6 * (s.seq % 14) AS flag_minutes,
             s.seq % 9 = 0 AS fails_qc
      FROM (SELECT id, row_number() OVER (ORDER BY username) AS n FROM users WHERE role = 'TECHNICIAN') t
      CROSS JOIN generate_series(0, ${DAYS} - 1) d
      CROSS JOIN generate_series(0, ${SESSIONS_PER_DAY} - 1) k
      CROSS JOIN LATERAL (
        SELECT (${startDate(DAYS)}::date + d
                  + CASE WHEN t.n % 5 = 0 THEN time '19:00' ELSE time '07:00' END
                  + k * interval '2 hours 15 minutes' + ((t.n * 7 + d * 13 + k * 29) % 20) * interval '1 minute'
                ) AT TIME ZONE 'UTC' AS started_at,
               ((t.n * 17 + d * 3 + k) % 20)::int AS v,
               (t.n * 1000 + d * 10 + k)::int AS seq
      ) s`);
    await db.execute(sql`
      INSERT INTO inventory_items (id, serial, model) SELECT item_id, 'SN-' || session_id, 'Model X' FROM bench_plan`);
    await db.execute(sql`
      INSERT INTO tickets (id, inventory_item_id, technician_id, status, title, srt_total_minutes, flag_minutes, flag_color,
                           xp_amount, created_at, assigned_at, started_at, qc_submitted_at, done_at, updated_at, status_entered_at)
      SELECT ticket_id, item_id, technician_id,
             CASE WHEN still_running THEN 'IN_PROGRESS' WHEN fails_qc THEN 'REWORK' ELSE 'DONE' END,
             'Repair ' || left(ticket_id::text, 8), flag_minutes - 3, flag_minutes,
             CASE WHEN flag_minutes <= 30 THEN 'GREEN' WHEN flag_minutes <= 90 THEN 'YELLOW' ELSE 'RED' END,
             round(flag_minutes * CASE WHEN flag_minutes <= 30 THEN 1 WHEN flag_minutes <= 90 THEN 1.2 ELSE 1.5 END),
             started_at - interval '30 minutes', started_at - interval '20 minutes', started_at,
             CASE WHEN still_running THEN NULL ELSE stopped_at END,
             CASE WHEN still_running OR fails_qc THEN NULL ELSE stopped_at + interval '30 minutes' END,
             stopped_at + interval '30 minutes', stopped_at + interval '30 minutes'
      FROM bench_plan`);
    await db.execute(sql`
      INSERT INTO ticket_transitions (ticket_id, from_status, to_status, event, actor_id, technician_id, created_at)
      SELECT p.ticket_id, e.from_status, e.to_status, e.event,
             CASE WHEN e.event IN ('START', 'SUBMIT_QC') THEN p.technician_id ELSE (SELECT id FROM users WHERE username = 'boss') END,
             CASE WHEN e.event = 'CREATE' THEN NULL ELSE p.technician_id END, e.at
      FROM bench_plan p
      CROSS JOIN LATERAL (VALUES
        (1, 'UNDER_REVIEW', 'UNDER_REVIEW', 'CREATE', p.started_at - interval '30 minutes'),
        (2, 'UNDER_REVIEW', 'ASSIGNED', 'ASSIGN', p.started_at - interval '20 minutes'),
        (3, 'ASSIGNED', 'IN_PROGRESS', 'START', p.started_at),
        (4, 'IN_PROGRESS', 'WAITING_QC', 'SUBMIT_QC', p.stopped_at),
        (5, 'WAITING_QC', CASE WHEN p.fails_qc THEN 'REWORK' ELSE 'DONE' END,
            CASE WHEN p.fails_qc THEN 'QC_FAIL' ELSE 'QC_PASS' END, p.stopped_at + interval '30 minutes')
      ) AS e(ord, from_status, to_status, event, at)
      WHERE NOT (p.still_running AND e.ord >= 4)
      ORDER BY p.started_at, e.ord`);
    await db.execute(sql`
      INSERT INTO work_sessions (id, ticket_id, technician_id, status, started_at, ended_at, active_seconds, running_since, updated_at)
      SELECT session_id, ticket_id, technician_id,
             CASE WHEN still_running THEN 'RUNNING' ELSE 'STOPPED' END, started_at,
             CASE WHEN still_running THEN NULL ELSE stopped_at END,
             CASE WHEN still_running THEN (40 + active_seconds / 60 - 95) * 60 ELSE active_seconds END,
             CASE WHEN still_running THEN resumed_at END,
             CASE WHEN still_running THEN resumed_at ELSE stopped_at END
      FROM bench_plan`);
    await db.execute(sql`
      INSERT INTO work_session_transitions (session_id, from_status, to_status, event, reason, actor_id, at)
      SELECT p.session_id, e.from_status, e.to_status, e.event, e.reason, p.technician_id, e.at
      FROM bench_plan p
      CROSS JOIN LATERAL (VALUES
        (1, NULL, 'RUNNING', 'START', NULL, p.started_at),
        (2, 'RUNNING', 'PAUSED', 'PAUSE', p.pause_reason, p.paused_at),
        (3, 'PAUSED', 'RUNNING', 'RESUME', NULL, p.resumed_at),
        (4, 'RUNNING', 'STOPPED', 'STOP', 'SUBMIT_QC', p.stopped_at)
      ) AS e(ord, from_status, to_status, event, reason, at)
      WHERE NOT (p.still_running AND e.ord = 4)
      ORDER BY p.started_at, e.ord`);
    await db.execute(sql`DROP TABLE bench_plan`);
    await db.execute(sql`ANALYZE`);
    const counts = await db.execute<{ sessions: number; session_log: number; ticket_log: number }>(sql`
      SELECT (SELECT count(*) FROM work_sessions)::int AS sessions,
             (SELECT count(*) FROM work_session_transitions)::int AS session_log,
             (SELECT count(*) FROM ticket_transitions)::int AS ticket_log`);
    const c = counts.rows[0]!;
    console.log(
      `seeded in ${(ms(seedStart) / 1000).toFixed(1)} s: ${TECHNICIANS} technicians × ${DAYS} days, ` +
        `${c.sessions} work sessions (${c.session_log} log entries), ${c.ticket_log} ticket log entries`,
    );

    // The month: the last REPORT_DAYS seeded days as dates. "Now" is the next morning, after every
    // seeded event (night shifts end by 04:15), so the running sessions count live up to the period's end.
    const period = resolvePeriod({ from: startDate(REPORT_DAYS), to: startDate(1) }, 'UTC');
    const now = new Date(`${END_DATE}T06:00:00Z`);
    const sqlTimes: number[] = [];
    const reportTimes: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS; i++) {
      const start = process.hrtime.bigint();
      const result = await payrollRows(db, { ...period, now });
      sqlTimes.push(ms(start));
      const csv = payrollCsv(presentPayroll(period, now, result));
      reportTimes.push(ms(start));
      rows = result.length;
      if (i === 0) {
        const worked = result.reduce((sum, r) => sum + r.worked_seconds, 0);
        console.log(`report ${period.from.toISOString()} … ${period.to.toISOString()}: ${rows} rows, ${(worked / 3600).toFixed(0)} h worked, ${csv.length} bytes of CSV`);
      }
    }
    const fmt = (xs: number[]) => `min ${Math.min(...xs).toFixed(0)} ms, median ${median(xs).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;
    console.log(`payroll SQL (${RUNS} runs, first one cold):           ${fmt(sqlTimes)}`);
    console.log(`payroll SQL + JSON + CSV rendering (same runs):   ${fmt(reportTimes)}`);
    if (values.explain) {
      const plan = await db.execute<{ 'QUERY PLAN': string }>(sql`EXPLAIN (ANALYZE, BUFFERS) ${payrollStatement({ ...period, now })}`);
      console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
    const checkStart = process.hrtime.bigint();
    const check = await checkSessionConsistency(db, 10);
    console.log(
      `session consistency check over all ${check.checkedSessions} sessions: ${ms(checkStart).toFixed(0)} ms, ` +
        `${check.inconsistentSessions} inconsistent (the seed is consistent by construction)`,
    );
    console.log('');
    const verdict = median(reportTimes) <= TARGET_MS ? 'PASS' : 'MISS';
    console.log(`target: the month's payroll report for ${TECHNICIANS} technicians ≤ ${TARGET_MS} ms on a 2-core machine — ${verdict}`);
  } finally {
    await database.close();
    await server.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

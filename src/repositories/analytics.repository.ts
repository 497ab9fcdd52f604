import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { sessionLogWithNext } from './work-session.repository.js';

export interface PayrollFilter {
  from: Date;
  to: Date;
  /** Open intervals (a RUNNING or PAUSED session's current one) run until min(now, to). */
  now: Date;
  /** One technician only; otherwise every active technician plus anyone with activity in the period. */
  technicianId?: string;
}

export type PayrollRow = {
  technician_id: string;
  technician_name: string;
  worked_seconds: number;
  sessions: number;
  paused_break_seconds: number;
  paused_stockout_seconds: number;
  paused_end_of_shift_seconds: number;
  paused_other_seconds: number;
  submitted_to_qc: number;
  passed: number;
  qc_fails: number;
  flag_minutes: number;
  xp: number;
  efficiency: number | null;
};

/**
 * Payroll figures per technician for [from, to), in one statement for all technicians.
 *
 * Time comes from the work-session log: every entry opens an interval in its status until the
 * next entry (or until `now` for an open session's last one); RUNNING intervals are worked time,
 * PAUSED intervals are paused time under the pause reason logged with them. Each interval is
 * clipped to the period, so sessions crossing its ends count only inside. Sums are exact and
 * rounded down to whole seconds at the end.
 *
 * QC figures come from the ticket log: SUBMIT_QC, QC_PASS and QC_FAIL entries created in the
 * period, attributed to the entry's `technician_id` (the ticket's technician at that moment, not
 * the supervisor who acted). Flag minutes and XP are those of the tickets passed in the period
 * (metrics freeze at DONE). Efficiency = flag minutes ÷ worked minutes of the whole seconds shown,
 * rounded half away from zero to 3 decimals; null when no whole second was worked.
 */
export async function payrollRows(db: Executor, filter: PayrollFilter): Promise<PayrollRow[]> {
  return (await db.execute<PayrollRow>(payrollStatement(filter))).rows;
}

/** The statement of `payrollRows` (the benchmark EXPLAINs it). */
export function payrollStatement(filter: PayrollFilter): SQL {
  const from = filter.from.toISOString();
  const to = filter.to.toISOString();
  const now = filter.now.toISOString();
  const sessionOf = filter.technicianId ? sql`AND s.technician_id = ${filter.technicianId}` : sql``;
  const qcOf = filter.technicianId ? sql`AND tt.technician_id = ${filter.technicianId}` : sql``;
  const roster = filter.technicianId
    ? sql`SELECT ${filter.technicianId}::uuid AS id`
    : sql`SELECT id FROM users WHERE role = 'TECHNICIAN' AND active
          UNION SELECT technician_id FROM sessions
          UNION SELECT technician_id FROM qc`;
  const seconds = (column: string) => sql.raw(`floor(coalesce(t.${column}, 0))::int`);
  return sql`
    WITH sessions AS (
      -- Sessions open at some instant of the period (an open one counts until now).
      SELECT s.id, s.technician_id
      FROM work_sessions s
      WHERE s.started_at < ${to}::timestamptz
        AND (s.ended_at IS NULL OR s.ended_at > ${from}::timestamptz)
        AND coalesce(s.ended_at, ${now}::timestamptz) > ${from}::timestamptz
        ${sessionOf}
    ),
    intervals AS (
      SELECT log.session_id, log.to_status, log.reason,
             greatest(0, extract(epoch FROM (
               least(coalesce(log.next_at, ${now}::timestamptz), ${to}::timestamptz)
               - greatest(log.at, ${from}::timestamptz)))) AS seconds
      FROM (${sessionLogWithNext(sql`w.session_id IN (SELECT id FROM sessions)`)}) log
      WHERE log.to_status IN ('RUNNING', 'PAUSED')
    ),
    session_time AS (
      SELECT s.technician_id,
             count(DISTINCT s.id) AS sessions,
             sum(i.seconds) FILTER (WHERE i.to_status = 'RUNNING') AS worked,
             sum(i.seconds) FILTER (WHERE i.to_status = 'PAUSED' AND i.reason = 'BREAK') AS paused_break,
             sum(i.seconds) FILTER (WHERE i.to_status = 'PAUSED' AND i.reason = 'STOCKOUT') AS paused_stockout,
             sum(i.seconds) FILTER (WHERE i.to_status = 'PAUSED' AND i.reason = 'END_OF_SHIFT') AS paused_end_of_shift,
             sum(i.seconds) FILTER (WHERE i.to_status = 'PAUSED'
               AND i.reason IS DISTINCT FROM 'BREAK' AND i.reason IS DISTINCT FROM 'STOCKOUT'
               AND i.reason IS DISTINCT FROM 'END_OF_SHIFT') AS paused_other
      FROM sessions s
      LEFT JOIN intervals i ON i.session_id = s.id
      GROUP BY s.technician_id
    ),
    qc AS (
      SELECT tt.technician_id,
             count(*) FILTER (WHERE tt.event = 'SUBMIT_QC') AS submitted,
             count(*) FILTER (WHERE tt.event = 'QC_PASS') AS passed,
             count(*) FILTER (WHERE tt.event = 'QC_FAIL') AS fails,
             coalesce(sum(tk.flag_minutes) FILTER (WHERE tt.event = 'QC_PASS'), 0) AS flag_minutes,
             coalesce(sum(tk.xp_amount) FILTER (WHERE tt.event = 'QC_PASS'), 0) AS xp
      FROM ticket_transitions tt
      JOIN tickets tk ON tk.id = tt.ticket_id
      WHERE tt.event IN ('SUBMIT_QC', 'QC_PASS', 'QC_FAIL')
        AND tt.created_at >= ${from}::timestamptz AND tt.created_at < ${to}::timestamptz
        AND tt.technician_id IS NOT NULL
        ${qcOf}
      GROUP BY tt.technician_id
    ),
    roster AS (${roster})
    SELECT u.id AS technician_id, u.display_name AS technician_name,
           ${seconds('worked')} AS worked_seconds,
           coalesce(t.sessions, 0)::int AS sessions,
           ${seconds('paused_break')} AS paused_break_seconds,
           ${seconds('paused_stockout')} AS paused_stockout_seconds,
           ${seconds('paused_end_of_shift')} AS paused_end_of_shift_seconds,
           ${seconds('paused_other')} AS paused_other_seconds,
           coalesce(q.submitted, 0)::int AS submitted_to_qc,
           coalesce(q.passed, 0)::int AS passed,
           coalesce(q.fails, 0)::int AS qc_fails,
           coalesce(q.flag_minutes, 0)::int AS flag_minutes,
           coalesce(q.xp, 0)::int AS xp,
           CASE WHEN floor(coalesce(t.worked, 0)) = 0 THEN NULL
                ELSE round(coalesce(q.flag_minutes, 0) * 60 / floor(t.worked), 3)::float8 END AS efficiency
    FROM roster r
    JOIN users u ON u.id = r.id
    LEFT JOIN session_time t ON t.technician_id = u.id
    LEFT JOIN qc q ON q.technician_id = u.id
    ORDER BY u.display_name, u.id`;
}

export type FloorTechnicianRow = {
  id: string;
  name: string;
  ticket_id: string | null;
  ticket_title: string | null;
  ticket_status: string | null;
  ticket_flag_color: string | null;
  session_id: string | null;
  session_status: string | null;
  session_active_seconds: string | null;
};

/** Active tickets per status (statuses without tickets are absent). */
export async function countActiveTicketsByStatus(db: Executor): Promise<{ status: string; n: number }[]> {
  const result = await db.execute<{ status: string; n: number }>(sql`
    SELECT status, count(*)::int AS n FROM tickets
    WHERE status NOT IN ('DONE', 'CANCELLED') GROUP BY status`);
  return result.rows;
}

/**
 * Each active technician with their current ticket (the one in progress, else their most recently
 * updated assigned one) and their open session with its live active seconds at `now`.
 */
export async function floorTechnicianRows(db: Executor, now: Date): Promise<FloorTechnicianRow[]> {
  const at = now.toISOString();
  const result = await db.execute<FloorTechnicianRow>(sql`
    SELECT u.id, u.display_name AS name,
           t.id AS ticket_id, t.title AS ticket_title, t.status AS ticket_status, t.flag_color AS ticket_flag_color,
           s.id AS session_id, s.status AS session_status,
           (s.active_seconds + CASE WHEN s.status = 'RUNNING'
              THEN greatest(0, extract(epoch FROM (${at}::timestamptz - s.running_since))) ELSE 0 END)::text
             AS session_active_seconds
    FROM users u
    LEFT JOIN LATERAL (
      SELECT id, title, status, flag_color FROM tickets
      WHERE technician_id = u.id AND status NOT IN ('DONE', 'CANCELLED', 'UNDER_REVIEW')
      ORDER BY (status = 'IN_PROGRESS') DESC, updated_at DESC LIMIT 1
    ) t ON true
    LEFT JOIN work_sessions s ON s.technician_id = u.id AND s.status IN ('RUNNING', 'PAUSED')
    WHERE u.role = 'TECHNICIAN' AND u.active
    ORDER BY u.display_name, u.id`);
  return result.rows;
}

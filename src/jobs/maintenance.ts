import { sql } from 'drizzle-orm';
import type { AppDeps } from '../commands/command.js';

/**
 * stockout:overlap: recomputes (never accumulates) the stockout overlap of every active or recently
 * closed ticket, and of their work sessions, from the incidents of the ticket's active-spec parts,
 * overlapping incidents counted once. Set-based: two statements whatever the number of rows.
 */
export async function refreshStockoutOverlap(deps: AppDeps): Promise<{ tickets: number; sessions: number }> {
  const now = deps.clock.now().toISOString();
  const subjects = {
    ticket: sql`
      SELECT t.id AS subject_id, t.id AS ticket_id, t.created_at AS b,
             coalesce(t.done_at, t.cancelled_at, ${now}::timestamptz) AS e
      FROM tickets t
      WHERE t.status NOT IN ('DONE', 'CANCELLED') OR t.stockout_overlap_minutes > 0
         OR coalesce(t.done_at, t.cancelled_at) > ${now}::timestamptz - interval '2 days'`,
    session: sql`
      SELECT s.id AS subject_id, s.ticket_id, s.started_at AS b, coalesce(s.ended_at, ${now}::timestamptz) AS e
      FROM work_sessions s
      WHERE s.status <> 'STOPPED' OR s.stockout_overlap_seconds > 0
         OR s.ended_at > ${now}::timestamptz - interval '2 days'`,
  };
  const overlapCte = (subject: keyof typeof subjects) => sql`
    subjects AS (${subjects[subject]}),
    clipped AS (
      SELECT su.subject_id, greatest(si.started_at, su.b) AS s, least(coalesce(si.resolved_at, ${now}::timestamptz), su.e) AS e
      FROM subjects su
      JOIN ticket_part_specs ps ON ps.ticket_id = su.ticket_id AND ps.is_active
      JOIN stockout_incidents si ON si.inventory_item_part_id = ps.inventory_item_part_id
    ),
    marked AS (
      SELECT subject_id, s, e,
             CASE WHEN s <= max(e) OVER (PARTITION BY subject_id ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                  THEN 0 ELSE 1 END AS new_island
      FROM clipped WHERE e > s
    ),
    islands AS (SELECT subject_id, s, e, sum(new_island) OVER (PARTITION BY subject_id ORDER BY s, e) AS island FROM marked),
    overlap AS (
      SELECT su.subject_id, coalesce(sum(extract(epoch FROM (m.ie - m.ib))), 0) AS seconds
      FROM subjects su
      LEFT JOIN (SELECT subject_id, island, min(s) AS ib, max(e) AS ie FROM islands GROUP BY 1, 2) m ON m.subject_id = su.subject_id
      GROUP BY su.subject_id
    )`;
  const tickets = await deps.db.execute(sql`
    WITH ${overlapCte('ticket')}
    UPDATE tickets t SET stockout_overlap_minutes = round(o.seconds / 60, 3)
    FROM overlap o WHERE o.subject_id = t.id AND t.stockout_overlap_minutes IS DISTINCT FROM round(o.seconds / 60, 3)`);
  const sessions = await deps.db.execute(sql`
    WITH ${overlapCte('session')}
    UPDATE work_sessions s SET stockout_overlap_seconds = round(o.seconds, 3)
    FROM overlap o WHERE o.subject_id = s.id AND s.stockout_overlap_seconds IS DISTINCT FROM round(o.seconds, 3)`);
  return { tickets: tickets.rowCount ?? 0, sessions: sessions.rowCount ?? 0 };
}

/** Retention: idempotency records past their TTL, outbox rows past the replay window, stale cooldowns. */
export async function cleanUpRetention(deps: AppDeps): Promise<{ idempotency: number; outbox: number; cooldowns: number }> {
  const idempotency = await deps.db.execute(sql`DELETE FROM idempotency_records WHERE expires_at < now()`);
  const outbox = await deps.db.execute(sql`
    DELETE FROM outbox_events WHERE created_at < now() - make_interval(hours => ${deps.config.realtime.replayMaxAgeHours})`);
  const cooldowns = await deps.db.execute(sql`DELETE FROM sla_cooldowns WHERE until < now() - interval '7 days'`);
  return { idempotency: idempotency.rowCount ?? 0, outbox: outbox.rowCount ?? 0, cooldowns: cooldowns.rowCount ?? 0 };
}

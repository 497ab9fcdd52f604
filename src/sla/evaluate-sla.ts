import { sql } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.js';
import { openWindows, type ShopCalendar } from '../domain/business-calendar.js';
import { findShopCalendar, type SlaEventRow } from '../repositories/sla.repository.js';

/** Serialises evaluations across processes (the job and POST /sla/evaluate). */
const EVALUATION_LOCK = [7366101, 2] as const;

export interface EvaluationResult {
  events: SlaEventRow[];
  /** Webhook deliveries created for the new events, to be scheduled after commit. */
  deliveryIds: string[];
}

/** The shop calendar, or null for 24/7. */
export async function loadCalendar(db: Executor): Promise<ShopCalendar | null> {
  const row = await findShopCalendar(db);
  return row ? { timezone: row.timezone, weeklyHours: row.weeklyHours, holidays: row.holidays } : null;
}

/**
 * Defines `pg_temp.sla_cum(t)`: business minutes from a fixed origin up to t, so that the business
 * minutes of [a, b) are sla_cum(b) − sla_cum(a). 24/7 is plain epoch minutes; with a calendar it
 * looks up a per-transaction table of open windows with running totals.
 */
async function defineBusinessClock(tx: Tx, calendar: ShopCalendar | null, now: Date): Promise<void> {
  if (!calendar) {
    await tx.execute(sql`CREATE OR REPLACE FUNCTION pg_temp.sla_cum(t timestamptz) RETURNS numeric
      LANGUAGE sql IMMUTABLE AS $$ SELECT extract(epoch FROM t) / 60 $$`);
    return;
  }
  const oldest = await tx.execute<{ at: Date | null }>(sql`
    SELECT least(
      (SELECT min(least(created_at, status_entered_at)) FROM tickets WHERE status NOT IN ('DONE', 'CANCELLED')),
      (SELECT min(updated_at) FROM work_sessions WHERE status = 'PAUSED'),
      (SELECT min(started_at) FROM stockout_incidents WHERE status = 'OPEN')) AS at`);
  const from = oldest.rows[0]?.at ? new Date(oldest.rows[0].at) : now;
  const windows = openWindows(calendar, new Date(Math.min(from.getTime(), now.getTime()) - 86_400_000), now);
  const starts: string[] = [];
  const ends: string[] = [];
  const before: number[] = [];
  let total = 0;
  for (const w of windows) {
    starts.push(w.start.toISOString());
    ends.push(w.end.toISOString());
    before.push(total);
    total += (w.end.getTime() - w.start.getTime()) / 60_000;
  }
  await tx.execute(sql`CREATE TEMP TABLE IF NOT EXISTS sla_windows (w_start timestamptz PRIMARY KEY, w_end timestamptz NOT NULL, cum_before numeric NOT NULL) ON COMMIT DROP`);
  await tx.execute(sql`
    INSERT INTO sla_windows (w_start, w_end, cum_before)
    SELECT * FROM unnest(${`{${starts.join(',')}}`}::timestamptz[], ${`{${ends.join(',')}}`}::timestamptz[], ${`{${before.join(',')}}`}::numeric[])`);
  // Before the first window (or with none at all) the running total is 0.
  await tx.execute(sql`CREATE OR REPLACE FUNCTION pg_temp.sla_cum(t timestamptz) RETURNS numeric
    LANGUAGE sql STABLE AS $$
      SELECT coalesce((
        SELECT w.cum_before + greatest(0, extract(epoch FROM (least(t, w.w_end) - w.w_start)) / 60)
        FROM sla_windows w WHERE w.w_start <= t ORDER BY w.w_start DESC LIMIT 1), 0)
    $$`);
}

/**
 * Evaluates every enabled rule in set-based SQL and creates the due events, their outbox pushes,
 * SOCKET attempt rows and WEBHOOK deliveries, all in the caller's transaction. Clocks are computed
 * from timestamps at `now` (never accumulated), minus the overlap with stockouts of the ticket's
 * active-spec parts (overlapping incidents counted once), in business minutes when a calendar is set.
 */
export async function evaluateSla(tx: Tx, now: Date): Promise<EvaluationResult> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${EVALUATION_LOCK[0]}, ${EVALUATION_LOCK[1]})`);
  await defineBusinessClock(tx, await loadCalendar(tx), now);
  const at = now.toISOString();
  const result = await tx.execute<Record<string, unknown>>(sql`
    WITH now_ AS (SELECT ${at}::timestamptz AS now),
    rules AS (SELECT * FROM sla_rules WHERE enabled),
    -- Wall-clock rules, before stockout exclusion: ticket status clocks, turnaround, paused sessions.
    clocks AS (
      SELECT r.key AS rule_key, 'TICKET'::text AS subject_type, t.id AS subject_id, t.id AS ticket_id,
             t.technician_id,
             CASE WHEN r.key = 'TICKET_TURNAROUND' THEN t.created_at ELSE t.status_entered_at END AS clock_start,
             r.threshold_minutes::numeric AS threshold,
             jsonb_build_object('ticketId', t.id, 'title', t.title, 'status', t.status, 'technicianId', t.technician_id) AS payload
      FROM tickets t
      JOIN rules r ON (r.key = 'TICKET_UNDER_REVIEW_TOO_LONG' AND t.status = 'UNDER_REVIEW')
                   OR (r.key = 'TICKET_NOT_STARTED' AND t.status = 'ASSIGNED')
                   OR (r.key = 'TICKET_WAITING_QC_TOO_LONG' AND t.status = 'WAITING_QC')
                   OR r.key = 'TICKET_TURNAROUND'
      WHERE t.status NOT IN ('DONE', 'CANCELLED')
      UNION ALL
      SELECT r.key, 'WORK_SESSION', ws.id, ws.ticket_id, ws.technician_id, ws.updated_at, r.threshold_minutes::numeric,
             jsonb_build_object('sessionId', ws.id, 'ticketId', ws.ticket_id, 'technicianId', ws.technician_id,
                                'pauseReason', ws.pause_reason)
      FROM work_sessions ws JOIN rules r ON r.key = 'SESSION_PAUSED_TOO_LONG'
      WHERE ws.status = 'PAUSED' AND ws.pause_reason <> 'END_OF_SHIFT'
    ),
    -- Stockouts of the ticket's active-spec parts, clipped to [clock_start, now).
    spans AS (
      SELECT c.rule_key, c.subject_id,
             greatest(si.started_at, c.clock_start) AS s,
             least(coalesce(si.resolved_at, n.now), n.now) AS e
      FROM clocks c
      CROSS JOIN now_ n
      JOIN ticket_part_specs ps ON ps.ticket_id = c.ticket_id AND ps.is_active
      JOIN stockout_incidents si ON si.inventory_item_part_id = ps.inventory_item_part_id
      WHERE coalesce(si.resolved_at, n.now) > c.clock_start AND si.started_at < n.now
    ),
    -- Overlapping incidents are merged (gaps and islands) so each minute is excluded once.
    marked AS (
      SELECT rule_key, subject_id, s, e,
             CASE WHEN s <= max(e) OVER (PARTITION BY rule_key, subject_id ORDER BY s, e
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS new_island
      FROM spans WHERE e > s
    ),
    islands AS (
      SELECT rule_key, subject_id, s, e,
             sum(new_island) OVER (PARTITION BY rule_key, subject_id ORDER BY s, e) AS island
      FROM marked
    ),
    excluded AS (
      SELECT rule_key, subject_id, sum(pg_temp.sla_cum(ie) - pg_temp.sla_cum(ib)) AS minutes
      FROM (SELECT rule_key, subject_id, island, min(s) AS ib, max(e) AS ie FROM islands GROUP BY 1, 2, 3) merged
      GROUP BY 1, 2
    ),
    measured AS (
      SELECT c.rule_key, c.subject_type, c.subject_id, c.technician_id, c.threshold, c.payload,
             (pg_temp.sla_cum(n.now) - pg_temp.sla_cum(c.clock_start)) - coalesce(x.minutes, 0) AS minutes
      FROM clocks c CROSS JOIN now_ n
      LEFT JOIN excluded x ON x.rule_key = c.rule_key AND x.subject_id = c.subject_id
      UNION ALL
      -- Worked time against the standard repair time: already net of pauses, so no calendar or stockout math.
      SELECT r.key, 'TICKET', t.id, t.technician_id,
             t.srt_total_minutes * coalesce(r.srt_factor, 1) + r.threshold_minutes,
             jsonb_build_object('ticketId', t.id, 'title', t.title, 'status', t.status, 'technicianId', t.technician_id,
                                'srtTotalMinutes', t.srt_total_minutes),
             w.seconds / 60
      FROM tickets t JOIN rules r ON r.key = 'TICKET_OVER_SRT'
      CROSS JOIN now_ n
      JOIN LATERAL (
        SELECT sum(ws.active_seconds + CASE WHEN ws.status = 'RUNNING'
                   THEN greatest(0, extract(epoch FROM (n.now - ws.running_since))) ELSE 0 END) AS seconds
        FROM work_sessions ws WHERE ws.ticket_id = t.id
      ) w ON w.seconds IS NOT NULL
      WHERE t.status NOT IN ('DONE', 'CANCELLED') AND t.srt_total_minutes > 0
      UNION ALL
      SELECT r.key, 'STOCKOUT', si.id, NULL::uuid, r.threshold_minutes::numeric,
             jsonb_build_object('stockoutId', si.id, 'partId', si.inventory_item_part_id, 'ticketId', si.ticket_id),
             pg_temp.sla_cum(n.now) - pg_temp.sla_cum(si.started_at)
      FROM stockout_incidents si JOIN rules r ON r.key = 'STOCKOUT_OPEN_TOO_LONG' CROSS JOIN now_ n
      WHERE si.status = 'OPEN'
    ),
    candidates AS (
      SELECT m.*, r.cooldown_minutes, r.channels,
             CASE WHEN m.minutes >= m.threshold THEN 'BREACH' ELSE 'WARNING' END AS severity,
             CASE WHEN m.minutes >= m.threshold
                  THEN least(r.max_level, 1 + floor((m.minutes - m.threshold) / r.escalate_every_minutes)::int)
                  ELSE 1 END AS level,
             gen_random_uuid() AS new_id
      FROM measured m JOIN rules r ON r.key = m.rule_key
      WHERE m.minutes >= m.threshold * r.warn_at_percent / 100.0
    ),
    -- create_event is idempotent inside the cooldown: only the statement that moves the
    -- (rule, subject, severity, level) cooldown forward may create the event.
    claimed AS (
      INSERT INTO sla_cooldowns AS cd (rule_key, subject_id, severity, level, first_event_id, last_event_id, last_created_at, until)
      SELECT c.rule_key, c.subject_id, c.severity, c.level, c.new_id, c.new_id, n.now,
             n.now + make_interval(mins => c.cooldown_minutes)
      FROM candidates c CROSS JOIN now_ n
      ON CONFLICT (rule_key, subject_id, severity, level) DO UPDATE
        SET last_event_id = EXCLUDED.last_event_id, last_created_at = EXCLUDED.last_created_at, until = EXCLUDED.until
        WHERE cd.until <= EXCLUDED.last_created_at
      RETURNING rule_key, subject_id, severity, level
    ),
    new_events AS (
      INSERT INTO sla_automation_events AS ev (id, rule_key, subject_type, subject_id, severity, level, measured_minutes,
                                         threshold_minutes, payload, evaluated_at, created_at, repeat_of)
      SELECT c.new_id, c.rule_key, c.subject_type, c.subject_id, c.severity, c.level, round(c.minutes, 3),
             ceil(c.threshold)::int, c.payload || jsonb_build_object('technicianId', c.technician_id), n.now, n.now,
             (SELECT e.id FROM sla_automation_events e
              WHERE e.rule_key = c.rule_key AND e.subject_id = c.subject_id AND e.severity = c.severity
              ORDER BY e.created_at, e.id LIMIT 1)
      FROM candidates c
      JOIN claimed cl USING (rule_key, subject_id, severity, level)
      CROSS JOIN now_ n
      RETURNING ev.*
    ),
    event_json AS (
      SELECT e.*, c.technician_id, c.channels,
             jsonb_build_object(
               'id', e.id, 'ruleKey', e.rule_key, 'subjectType', e.subject_type, 'subjectId', e.subject_id,
               'severity', e.severity, 'level', e.level, 'measuredMinutes', e.measured_minutes,
               'thresholdMinutes', e.threshold_minutes, 'payload', e.payload,
               'evaluatedAt', to_char(e.evaluated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'createdAt', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'evaluatedAtOrCreated', to_char(coalesce(e.evaluated_at, e.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'repeatOf', e.repeat_of, 'isRepeat', e.repeat_of IS NOT NULL) AS json
      FROM new_events e JOIN candidates c ON c.new_id = e.id
    ),
    pushed AS (
      INSERT INTO outbox_events (type, aggregate_type, aggregate_id, technician_ids, data)
      SELECT 'sla.event', 'sla_event', j.id,
             CASE WHEN j.technician_id IS NULL THEN '{}'::uuid[] ELSE ARRAY[j.technician_id] END,
             j.json
      FROM event_json j
      WHERE (j.channels -> (j.level::text)) ? 'SOCKET'
      ORDER BY j.created_at, j.id
      RETURNING aggregate_id
    ),
    socket_attempts AS (
      INSERT INTO sla_delivery_attempts (event_id, channel, target, attempt_no, outcome, duration_ms, created_at)
      SELECT p.aggregate_id, 'SOCKET', 'outbox', 1, 'SUCCESS', 0, n.now FROM pushed p CROSS JOIN now_ n
      RETURNING event_id
    ),
    deliveries AS (
      INSERT INTO sla_deliveries (event_id, target_id, next_attempt_at)
      SELECT j.id, dt.id, j.created_at
      FROM event_json j
      JOIN delivery_targets dt ON dt.enabled AND dt.deleted_at IS NULL AND dt.min_level <= j.level
      WHERE (j.channels -> (j.level::text)) ? 'WEBHOOK'
      RETURNING id, event_id
    )
    SELECT (SELECT coalesce(jsonb_agg(j.json ORDER BY j.created_at, j.id), '[]'::jsonb) FROM event_json j) AS events,
           (SELECT coalesce(array_agg(d.id::text), '{}') FROM deliveries d) AS delivery_ids,
           (SELECT count(*) FROM socket_attempts) AS socket_attempts`);
  const row = result.rows[0] as { events: Record<string, unknown>[]; delivery_ids: string[] };
  const events: SlaEventRow[] = row.events.map((e) => ({
    id: e.id as string,
    ruleKey: e.ruleKey as string,
    subjectType: e.subjectType as string,
    subjectId: e.subjectId as string,
    severity: e.severity as string,
    level: e.level as number,
    measuredMinutes: Number(e.measuredMinutes),
    thresholdMinutes: e.thresholdMinutes as number,
    payload: e.payload as Record<string, unknown>,
    evaluatedAt: new Date(e.evaluatedAt as string),
    createdAt: new Date(e.createdAt as string),
    repeatOf: (e.repeatOf as string | null) ?? null,
  }));
  return { events, deliveryIds: row.delivery_ids };
}

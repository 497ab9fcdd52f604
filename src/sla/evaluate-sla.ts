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
      LANGUAGE sql STABLE AS $$ SELECT extract(epoch FROM t) / 60 $$`);
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
 * Defines `pg_temp.sla_first_event(rule, subject, severity)`, the id for `repeat_of`: the first
 * event of a series, looked up through sla_automation_events_subject_idx for each event created.
 * A join would read the whole event history every minute; a plain subquery lets the planner pick
 * a sequential scan while the table is small, and then every lookup also walks the rows this very
 * statement has inserted so far (quadratic: 6 minutes for a first run of 132k events). The
 * function's own setting keeps its lookups on the index.
 */
async function defineFirstEventLookup(tx: Tx): Promise<void> {
  await tx.execute(sql`CREATE OR REPLACE FUNCTION pg_temp.sla_first_event(r text, s uuid, sev text) RETURNS uuid
    LANGUAGE sql STABLE SET enable_seqscan = off SET enable_bitmapscan = off AS $$
      SELECT e.id FROM sla_automation_events e
      WHERE e.rule_key = r AND e.subject_id = s AND e.severity = sev
      ORDER BY e.created_at, e.id LIMIT 1
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
  // The planner guesses one row for every CTE; with nested loops that guess turns the joins between
  // them quadratic (100k events = minutes). Hash joins are right for this set-based statement.
  await tx.execute(sql`SET LOCAL enable_nestloop = off`);
  // Those penalties inflate the cost estimate past the JIT thresholds: compiling takes longer than running.
  await tx.execute(sql`SET LOCAL jit = off`);
  // The hash joins over every open clock would otherwise spill to disk at the 4 MB default.
  await tx.execute(sql`SET LOCAL work_mem = '64MB'`);
  await defineBusinessClock(tx, await loadCalendar(tx), now);
  await defineFirstEventLookup(tx);
  const at = now.toISOString();
  const result = await tx.execute<Record<string, unknown>>(sql`
    WITH now_ AS (SELECT ${at}::timestamptz AS now),
    -- warn_from: the wall-clock age at which a clock can first reach its warning point (a second
    -- early, so the interval arithmetic never drops one that the exact numeric test below keeps).
    rules AS (
      SELECT r.*, (r.threshold_minutes * r.warn_at_percent / 100.0) * interval '1 minute' - interval '1 second' AS warn_from
      FROM sla_rules r WHERE r.enabled
    ),
    -- Wall-clock rules, before stockout exclusion: ticket status clocks, turnaround, paused sessions.
    -- A clock counts at most the wall-clock time since it started (business hours and stockouts only
    -- subtract), so clocks younger than their warning point are skipped before any further work.
    clocks AS (
      SELECT c.rule_key, c.subject_type, c.subject_id, c.ticket_id, c.clock_start,
             r.threshold_minutes::numeric AS threshold, r.warn_at_percent
      FROM (
        -- One pass over the open tickets: each has a turnaround clock and at most one status clock.
        SELECT v.rule_key, 'TICKET'::text AS subject_type, t.id AS subject_id, t.id AS ticket_id, v.clock_start
        FROM tickets t
        CROSS JOIN LATERAL (VALUES
          ('TICKET_TURNAROUND', t.created_at),
          (CASE t.status WHEN 'UNDER_REVIEW' THEN 'TICKET_UNDER_REVIEW_TOO_LONG' WHEN 'ASSIGNED' THEN 'TICKET_NOT_STARTED'
                         WHEN 'WAITING_QC' THEN 'TICKET_WAITING_QC_TOO_LONG' END, t.status_entered_at)
        ) v(rule_key, clock_start)
        WHERE t.status NOT IN ('DONE', 'CANCELLED') AND v.rule_key IS NOT NULL
        UNION ALL
        SELECT 'SESSION_PAUSED_TOO_LONG', 'WORK_SESSION', ws.id, ws.ticket_id, ws.updated_at
        FROM work_sessions ws
        WHERE ws.status = 'PAUSED' AND ws.pause_reason <> 'END_OF_SHIFT'
      ) c
      JOIN rules r ON r.key = c.rule_key
      CROSS JOIN now_ n
      WHERE c.clock_start <= n.now - r.warn_from
    ),
    -- Stockouts of each affected ticket's active-spec parts, merged once per ticket (gaps and
    -- islands) so overlapping incidents count once; each clock then clips these islands.
    ticket_spans AS (
      SELECT DISTINCT ps.ticket_id, si.started_at AS s, coalesce(si.resolved_at, n.now) AS e
      FROM stockout_incidents si
      CROSS JOIN now_ n
      -- Specs of closed tickets too: their islands simply match no clock (cheaper than joining tickets).
      JOIN ticket_part_specs ps ON ps.inventory_item_part_id = si.inventory_item_part_id AND ps.is_active
      WHERE si.started_at < n.now AND coalesce(si.resolved_at, n.now) > si.started_at
    ),
    marked AS (
      SELECT ticket_id, s, e,
             CASE WHEN s <= max(e) OVER (PARTITION BY ticket_id ORDER BY s, e
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS new_island
      FROM ticket_spans
    ),
    islands AS (
      SELECT ticket_id, min(s) AS ib, max(e) AS ie
      FROM (SELECT ticket_id, s, e, sum(new_island) OVER (PARTITION BY ticket_id ORDER BY s, e) AS island FROM marked) m
      GROUP BY ticket_id, island
    ),
    excluded AS (
      SELECT c.rule_key, c.subject_id,
             sum(pg_temp.sla_cum(i.ie) - pg_temp.sla_cum(greatest(i.ib, c.clock_start))) AS minutes
      FROM clocks c JOIN islands i ON i.ticket_id = c.ticket_id AND i.ie > c.clock_start
      GROUP BY 1, 2
    ),
    measured AS (
      SELECT c.rule_key, c.subject_type, c.subject_id, c.threshold,
             (pg_temp.sla_cum(n.now) - pg_temp.sla_cum(c.clock_start)) - coalesce(x.minutes, 0) AS minutes
      FROM clocks c CROSS JOIN now_ n
      LEFT JOIN excluded x ON x.rule_key = c.rule_key AND x.subject_id = c.subject_id
      UNION ALL
      -- Worked time against the standard repair time: already net of pauses, so no calendar or stockout math.
      SELECT r.key, 'TICKET', w.ticket_id, t.srt_total_minutes * coalesce(r.srt_factor, 1) + r.threshold_minutes,
             w.seconds / 60
      FROM rules r
      CROSS JOIN now_ n
      JOIN LATERAL (
        SELECT ws.ticket_id,
               sum(ws.active_seconds + CASE WHEN ws.status = 'RUNNING'
                   THEN greatest(0, extract(epoch FROM (n.now - ws.running_since))) ELSE 0 END) AS seconds
        FROM work_sessions ws GROUP BY ws.ticket_id
      ) w ON true
      JOIN tickets t ON t.id = w.ticket_id AND t.status NOT IN ('DONE', 'CANCELLED') AND t.srt_total_minutes > 0
      WHERE r.key = 'TICKET_OVER_SRT'
      UNION ALL
      SELECT r.key, 'STOCKOUT', si.id, r.threshold_minutes::numeric,
             pg_temp.sla_cum(n.now) - pg_temp.sla_cum(si.started_at)
      FROM stockout_incidents si JOIN rules r ON r.key = 'STOCKOUT_OPEN_TOO_LONG' CROSS JOIN now_ n
      WHERE si.status = 'OPEN'
    ),
    due AS MATERIALIZED (
      SELECT m.rule_key, m.subject_type, m.subject_id, m.threshold, m.minutes, r.cooldown_minutes,
             CASE WHEN m.minutes >= m.threshold THEN 'BREACH' ELSE 'WARNING' END AS severity,
             CASE WHEN m.minutes >= m.threshold
                  THEN least(r.max_level, 1 + floor((m.minutes - m.threshold) / r.escalate_every_minutes)::int)
                  ELSE 1 END AS level
      FROM measured m JOIN rules r ON r.key = m.rule_key
      WHERE m.minutes >= m.threshold * r.warn_at_percent / 100.0
    ),
    -- Most due events are still inside their cooldown: drop them with a cheap anti-join first.
    candidates AS (
      SELECT d.*, gen_random_uuid() AS new_id
      FROM due d CROSS JOIN now_ n
      WHERE NOT EXISTS (
        SELECT 1 FROM sla_cooldowns cd
        WHERE cd.rule_key = d.rule_key AND cd.subject_id = d.subject_id AND cd.severity = d.severity
          AND cd.level = d.level AND cd.until > n.now)
    ),
    -- create_event is idempotent inside the cooldown: only the statement that moves the
    -- (rule, subject, severity, level) cooldown forward may create the event (the race guard).
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
    chosen AS (
      SELECT c.* FROM candidates c JOIN claimed cl USING (rule_key, subject_id, severity, level)
    ),
    -- Payload and concerned technician, built only for the events actually created.
    described AS (
      SELECT c.*,
             coalesce(t.technician_id, ws.technician_id) AS technician_id,
             CASE c.subject_type
               WHEN 'TICKET' THEN jsonb_build_object('ticketId', t.id, 'title', t.title, 'status', t.status,
                                                     'technicianId', t.technician_id, 'srtTotalMinutes', t.srt_total_minutes)
               WHEN 'WORK_SESSION' THEN jsonb_build_object('sessionId', ws.id, 'ticketId', ws.ticket_id,
                                                           'technicianId', ws.technician_id, 'pauseReason', ws.pause_reason)
               ELSE jsonb_build_object('stockoutId', si.id, 'partId', si.inventory_item_part_id, 'ticketId', si.ticket_id)
             END AS payload
      FROM chosen c
      LEFT JOIN tickets t ON c.subject_type = 'TICKET' AND t.id = c.subject_id
      LEFT JOIN work_sessions ws ON c.subject_type = 'WORK_SESSION' AND ws.id = c.subject_id
      LEFT JOIN stockout_incidents si ON c.subject_type = 'STOCKOUT' AND si.id = c.subject_id
    ),
    new_events AS (
      INSERT INTO sla_automation_events AS ev (id, rule_key, subject_type, subject_id, severity, level, measured_minutes,
                                         threshold_minutes, payload, evaluated_at, created_at, repeat_of)
      SELECT d.new_id, d.rule_key, d.subject_type, d.subject_id, d.severity, d.level, round(d.minutes, 3),
             round(d.threshold, 3), d.payload, n.now, n.now,
             pg_temp.sla_first_event(d.rule_key, d.subject_id, d.severity)
      FROM described d
      CROSS JOIN now_ n
      RETURNING ev.*
    ),
    event_json AS (
      SELECT e.*, (e.payload ->> 'technicianId')::uuid AS technician_id, r.channels,
             jsonb_build_object(
               'id', e.id, 'ruleKey', e.rule_key, 'subjectType', e.subject_type, 'subjectId', e.subject_id,
               'severity', e.severity, 'level', e.level, 'measuredMinutes', e.measured_minutes,
               'thresholdMinutes', e.threshold_minutes, 'payload', e.payload,
               'evaluatedAt', to_char(e.evaluated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'createdAt', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'evaluatedAtOrCreated', to_char(coalesce(e.evaluated_at, e.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'repeatOf', e.repeat_of, 'isRepeat', e.repeat_of IS NOT NULL) AS json
      FROM new_events e JOIN rules r ON r.key = e.rule_key
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
      INSERT INTO sla_deliveries (event_id, target_id, next_attempt_at, created_at, updated_at)
      SELECT j.id, dt.id, j.created_at, j.created_at, j.created_at
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
    thresholdMinutes: Number(e.thresholdMinutes),
    payload: e.payload as Record<string, unknown>,
    evaluatedAt: new Date(e.evaluatedAt as string),
    createdAt: new Date(e.createdAt as string),
    repeatOf: (e.repeatOf as string | null) ?? null,
  }));
  return { events, deliveryIds: row.delivery_ids };
}

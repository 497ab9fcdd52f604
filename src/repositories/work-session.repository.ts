import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { inTransaction, type Db, type Executor, type Tx } from '../db/client.js';
import { workSessions, workSessionTransitions } from '../db/schema.js';
import { columnList, defineStatement, rowMapper } from '../db/statements.js';
import type { WorkSessionRow, WorkSessionTransitionRow } from '../presenters/presenters.js';
import { openSessionStatuses } from '../../machines/work-session.machine.js';

const toSession = rowMapper(workSessions);
const toSessionTransition = rowMapper(workSessionTransitions, 'l_');

const lockSessionStatement = defineStatement(
  'work_session_lock',
  `SELECT ${columnList(workSessions, 's')} FROM work_sessions s WHERE s.id = $1 FOR UPDATE`,
);

const lockOpenSessionOfTicketStatement = defineStatement(
  'work_session_lock_open_of_ticket',
  `SELECT ${columnList(workSessions, 's')} FROM work_sessions s
   WHERE s.ticket_id = $1 AND s.status IN ('RUNNING', 'PAUSED') FOR UPDATE`,
);

export async function lockWorkSession(tx: Tx, id: string): Promise<WorkSessionRow | undefined> {
  const [raw] = await lockSessionStatement.run(tx, [id]);
  return raw ? toSession(raw) : undefined;
}

/** The open (RUNNING or PAUSED) session of a ticket, locked. */
export async function lockOpenSessionOfTicket(tx: Tx, ticketId: string): Promise<WorkSessionRow | undefined> {
  const [raw] = await lockOpenSessionOfTicketStatement.run(tx, [ticketId]);
  return raw ? toSession(raw) : undefined;
}

export async function findWorkSession(db: Executor, id: string): Promise<WorkSessionRow | undefined> {
  const [row] = await db.select().from(workSessions).where(eq(workSessions.id, id));
  return row;
}

export async function findOpenSessionOfTicket(db: Executor, ticketId: string): Promise<WorkSessionRow | undefined> {
  const [row] = await db
    .select()
    .from(workSessions)
    .where(and(eq(workSessions.ticketId, ticketId), inArray(workSessions.status, [...openSessionStatuses])));
  return row;
}

/** A work-session log entry; `to_status` and `at` come from the session row it is written with. */
export type SessionTransitionValues = Pick<WorkSessionTransitionRow, 'fromStatus' | 'event' | 'reason' | 'actorId' | 'commandId'>;

export interface SessionWrite {
  session: WorkSessionRow;
  transition: WorkSessionTransitionRow;
}

const insertSessionStatement = defineStatement(
  'work_session_insert',
  `WITH s AS (
     INSERT INTO work_sessions (ticket_id, technician_id, status, started_at, running_since, active_seconds, updated_at)
     VALUES ($1, $2, 'RUNNING', $3, $3, 0, $3) RETURNING *
   ), l AS (
     INSERT INTO work_session_transitions (session_id, from_status, to_status, event, reason, actor_id, at, command_id)
     SELECT s.id, NULL, s.status, 'START', NULL, $4, s.started_at, $5 FROM s RETURNING *
   )
   SELECT ${columnList(workSessions, 's')}, ${columnList(workSessionTransitions, 'l', 'l_')} FROM s, l`,
);

/** start_for_ticket: a RUNNING session and its START entry, in one statement. */
export async function insertRunningSession(
  tx: Tx,
  values: { ticketId: string; technicianId: string; at: Date; actorId: string; commandId: string | null },
): Promise<SessionWrite> {
  const [raw] = await insertSessionStatement.run(tx, [
    values.ticketId,
    values.technicianId,
    values.at.toISOString(),
    values.actorId,
    values.commandId,
  ]);
  return { session: toSession(raw!), transition: toSessionTransition(raw!) };
}

export interface SessionStateChange {
  status: string;
  at: Date;
  /** Close the running interval [running_since, at) into active_seconds. */
  closeRunningInterval: boolean;
  runningSince: Date | null;
  pauseReason: string | null;
  endedAt: Date | null;
}

// Interval arithmetic is done in SQL numeric, so the stored value matches recomputation exactly.
const updateSessionStatement = defineStatement(
  'work_session_write_event',
  `WITH s AS (
     UPDATE work_sessions SET status = $2,
       active_seconds = CASE WHEN $3::boolean
         THEN active_seconds + extract(epoch FROM ($4::timestamptz - running_since)) ELSE active_seconds END,
       running_since = $5, pause_reason = $6, ended_at = $7, updated_at = $4
     WHERE id = $1 RETURNING *
   ), l AS (
     INSERT INTO work_session_transitions (session_id, from_status, to_status, event, reason, actor_id, at, command_id)
     SELECT s.id, $8, s.status, $9, $10, $11, s.updated_at, $12 FROM s RETURNING *
   )
   SELECT ${columnList(workSessions, 's')}, ${columnList(workSessionTransitions, 'l', 'l_')} FROM s, l`,
);

/** Applies a state change to a locked session and appends its log entry, in one statement. */
export async function writeSessionEvent(
  tx: Tx,
  id: string,
  change: SessionStateChange,
  entry: SessionTransitionValues,
): Promise<SessionWrite> {
  const [raw] = await updateSessionStatement.run(tx, [
    id,
    change.status,
    change.closeRunningInterval,
    change.at.toISOString(),
    change.runningSince?.toISOString() ?? null,
    change.pauseReason,
    change.endedAt?.toISOString() ?? null,
    entry.fromStatus,
    entry.event,
    entry.reason,
    entry.actorId,
    entry.commandId,
  ]);
  if (!raw) throw new Error(`work session ${id} vanished while locked`);
  return { session: toSession(raw), transition: toSessionTransition(raw) };
}

export async function listWorkSessionTransitions(db: Executor, sessionId: string): Promise<WorkSessionTransitionRow[]> {
  return db
    .select()
    .from(workSessionTransitions)
    .where(eq(workSessionTransitions.sessionId, sessionId))
    .orderBy(asc(workSessionTransitions.at), asc(workSessionTransitions.id));
}

/**
 * The transition log of the sessions `where` selects (on alias `w`), each entry with the time of
 * the session's next entry (`next_at`, null for its last). An entry starts an interval in its
 * `to_status` that lasts until `next_at`; payroll and the consistency check read intervals from here.
 */
export const sessionLogWithNext = (where: SQL) => sql`
  SELECT w.id, w.session_id, w.to_status, w.reason, w.at,
         lead(w.at) OVER (PARTITION BY w.session_id ORDER BY w.at, w.id) AS next_at
  FROM ${workSessionTransitions} w
  WHERE ${where}`;

/** recalculate_active_seconds over `sessionLogWithNext` rows: the closed RUNNING intervals, exactly. */
const closedRunningSeconds = sql`
  coalesce(sum(extract(epoch FROM (next_at - at))) FILTER (WHERE to_status = 'RUNNING' AND next_at IS NOT NULL), 0)`;

/**
 * recalculate_active_seconds: the sum of the closed RUNNING intervals in the transition log.
 * A RUNNING session's current interval is not closed yet, exactly as in the stored value.
 */
export async function recomputeActiveSeconds(db: Executor, sessionId: string): Promise<number> {
  const result = await db.execute<{ seconds: string }>(sql`
    SELECT ${closedRunningSeconds}::text AS seconds
    FROM (${sessionLogWithNext(sql`w.session_id = ${sessionId}`)}) log`);
  return Number(result.rows[0]?.seconds ?? 0);
}

export interface SessionDrift {
  sessionId: string;
  technicianId: string;
  ticketId: string;
  status: string;
  /** The status the session's last log entry entered (null: no log at all). */
  loggedStatus: string | null;
  storedActiveSeconds: number;
  recomputedActiveSeconds: number;
}

/**
 * Every session whose stored active seconds differ from recalculate_active_seconds, or whose status
 * differs from its log's last entry, in one set-based pass over all sessions. Oldest first, at most
 * `limit` of them; `checked` and `inconsistent` count them all. Runs in one snapshot.
 */
export async function findSessionDrift(
  db: Db,
  limit: number,
): Promise<{ checked: number; inconsistent: number; sessions: SessionDrift[] }> {
  return inTransaction(
    db,
    async (tx) => {
      const counted = await tx.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${workSessions}`);
      const drift = await tx.execute<{
        session_id: string;
        technician_id: string;
        ticket_id: string;
        status: string;
        logged_status: string | null;
        stored: string;
        recomputed: string;
        inconsistent: number;
      }>(sql`
        WITH recomputed AS (
          SELECT session_id, ${closedRunningSeconds} AS seconds,
                 (array_agg(to_status ORDER BY at DESC, id DESC))[1] AS logged_status
          FROM (${sessionLogWithNext(sql`true`)}) log
          GROUP BY session_id
        )
        SELECT s.id AS session_id, s.technician_id, s.ticket_id, s.status, r.logged_status,
               s.active_seconds::text AS stored, coalesce(r.seconds, 0)::text AS recomputed,
               count(*) OVER ()::int AS inconsistent
        FROM ${workSessions} s
        LEFT JOIN recomputed r ON r.session_id = s.id
        WHERE s.active_seconds <> coalesce(r.seconds, 0) OR r.logged_status IS DISTINCT FROM s.status
        ORDER BY s.started_at, s.id
        LIMIT ${limit}`);
      return {
        checked: counted.rows[0]?.n ?? 0,
        inconsistent: drift.rows[0]?.inconsistent ?? 0,
        sessions: drift.rows.map((r) => ({
          sessionId: r.session_id,
          technicianId: r.technician_id,
          ticketId: r.ticket_id,
          status: r.status,
          loggedStatus: r.logged_status,
          storedActiveSeconds: Number(r.stored),
          recomputedActiveSeconds: Number(r.recomputed),
        })),
      };
    },
    { snapshot: 'read only' },
  );
}

export async function setActiveSeconds(tx: Tx, sessionId: string, seconds: number): Promise<WorkSessionRow> {
  const [row] = await tx.update(workSessions).set({ activeSeconds: seconds }).where(eq(workSessions.id, sessionId)).returning();
  return row!;
}

export interface WorkSessionFilter {
  technicianId?: string;
  ticketId?: string;
  open?: boolean;
  limit: number;
}

export async function listWorkSessions(db: Executor, filter: WorkSessionFilter): Promise<WorkSessionRow[]> {
  const where: SQL[] = [];
  if (filter.technicianId) where.push(eq(workSessions.technicianId, filter.technicianId));
  if (filter.ticketId) where.push(eq(workSessions.ticketId, filter.ticketId));
  if (filter.open === true) where.push(inArray(workSessions.status, [...openSessionStatuses]));
  if (filter.open === false) where.push(eq(workSessions.status, 'STOPPED'));
  return db
    .select()
    .from(workSessions)
    .where(and(...where))
    .orderBy(desc(workSessions.startedAt), desc(workSessions.id))
    .limit(filter.limit);
}

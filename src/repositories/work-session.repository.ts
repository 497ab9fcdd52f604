import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db, Executor, Tx } from '../db/client.js';
import { workSessions, workSessionTransitions } from '../db/schema.js';
import type { WorkSessionRow, WorkSessionTransitionRow } from '../presenters/presenters.js';
import { openSessionStatuses } from '../../machines/work-session.machine.js';

export async function lockWorkSession(tx: Tx, id: string): Promise<WorkSessionRow | undefined> {
  const [row] = await tx.select().from(workSessions).where(eq(workSessions.id, id)).for('update');
  return row;
}

/** The open (RUNNING or PAUSED) session of a ticket, locked. */
export async function lockOpenSessionOfTicket(tx: Tx, ticketId: string): Promise<WorkSessionRow | undefined> {
  const [row] = await tx
    .select()
    .from(workSessions)
    .where(and(eq(workSessions.ticketId, ticketId), inArray(workSessions.status, [...openSessionStatuses])))
    .for('update');
  return row;
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

export async function insertWorkSession(tx: Tx, values: typeof workSessions.$inferInsert): Promise<WorkSessionRow> {
  const [row] = await tx.insert(workSessions).values(values).returning();
  return row!;
}

export interface SessionChange {
  status: string;
  at: Date;
  /** Close the running interval [running_since, at) into active_seconds. */
  closeRunningInterval: boolean;
  runningSince: Date | null;
  pauseReason: string | null;
  endedAt: Date | null;
}

/** Applies a state change; interval arithmetic is done in SQL numeric so it matches recomputation exactly. */
export async function updateWorkSession(tx: Tx, id: string, change: SessionChange): Promise<WorkSessionRow> {
  const [row] = await tx
    .update(workSessions)
    .set({
      status: change.status,
      activeSeconds: change.closeRunningInterval
        ? sql`${workSessions.activeSeconds} + extract(epoch FROM (${change.at.toISOString()}::timestamptz - ${workSessions.runningSince}))`
        : sql`${workSessions.activeSeconds}`,
      runningSince: change.runningSince,
      pauseReason: change.pauseReason,
      endedAt: change.endedAt,
      updatedAt: change.at,
    })
    .where(eq(workSessions.id, id))
    .returning();
  return row!;
}

export async function insertWorkSessionTransition(
  tx: Tx,
  values: typeof workSessionTransitions.$inferInsert,
): Promise<WorkSessionTransitionRow> {
  const [row] = await tx.insert(workSessionTransitions).values(values).returning();
  return row!;
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
  return db.transaction(
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
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
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

import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.js';
import { ticketPartSpecs, tickets, ticketTransitions } from '../db/schema.js';
import { columnList, defineStatement, rowMapper } from '../db/statements.js';
import type { PartSpecRow, TicketRow, TicketTransitionRow } from '../presenters/presenters.js';

export type LockedTicket = TicketRow & { activeSpecCount: number };

const toTicket = rowMapper(tickets);
const toTicketTransition = rowMapper(ticketTransitions, 'l_');

const lockTicketStatement = defineStatement(
  'ticket_lock',
  `SELECT ${columnList(tickets, 't')},
          (SELECT count(*)::int FROM ticket_part_specs s WHERE s.ticket_id = t.id AND s.is_active) AS active_spec_count
   FROM tickets t WHERE t.id = $1 FOR UPDATE OF t`,
);

/** Locks a ticket row for the rest of the transaction, with its active spec count. */
export async function lockTicket(tx: Tx, id: string): Promise<LockedTicket | undefined> {
  const [raw] = await lockTicketStatement.run(tx, [id]);
  return raw ? { ...toTicket(raw), activeSpecCount: raw.active_spec_count as number } : undefined;
}

/** The columns a ticket event may change; the rest are fixed at creation or kept by jobs. */
export type TicketState = Pick<
  TicketRow,
  | 'status'
  | 'technicianId'
  | 'reworkCount'
  | 'metricsSource'
  | 'srtTotalMinutes'
  | 'flagMinutes'
  | 'flagColor'
  | 'xpAmount'
  | 'assignedAt'
  | 'startedAt'
  | 'qcSubmittedAt'
  | 'doneAt'
  | 'cancelledAt'
  | 'updatedAt'
  | 'statusEnteredAt'
>;

export type TicketTransitionValues = Pick<
  TicketTransitionRow,
  'fromStatus' | 'event' | 'actorId' | 'reason' | 'metadata' | 'commandId'
>;

// One round trip: the new state (version + 1) and its log entry, which takes the row's new status,
// technician and time. The transition is inserted from the updated row, so no row means no entry either.
const writeTicketEventStatement = defineStatement(
  'ticket_write_event',
  `WITH u AS (
     UPDATE tickets SET status = $2, technician_id = $3, rework_count = $4, metrics_source = $5,
       srt_total_minutes = $6, flag_minutes = $7, flag_color = $8, xp_amount = $9, assigned_at = $10,
       started_at = $11, qc_submitted_at = $12, done_at = $13, cancelled_at = $14, updated_at = $15,
       status_entered_at = $16, version = version + 1
     WHERE id = $1 RETURNING *
   ), l AS (
     INSERT INTO ticket_transitions (ticket_id, from_status, to_status, event, actor_id, technician_id, reason, metadata,
                                     command_id, created_at)
     SELECT u.id, $17, u.status, $18, $19, u.technician_id, $20, $21::jsonb, $22, u.updated_at FROM u
     RETURNING *
   )
   SELECT ${columnList(tickets, 'u')}, ${columnList(ticketTransitions, 'l', 'l_')} FROM u, l`,
);

const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * Writes a locked ticket's new state (bumping its version, for optimistic concurrency) and
 * appends its transition-log entry, in one statement.
 */
export async function writeTicketEvent(
  tx: Tx,
  id: string,
  state: TicketState,
  entry: TicketTransitionValues,
): Promise<{ ticket: TicketRow; transition: TicketTransitionRow }> {
  const [raw] = await writeTicketEventStatement.run(tx, [
    id,
    state.status,
    state.technicianId,
    state.reworkCount,
    state.metricsSource,
    state.srtTotalMinutes,
    state.flagMinutes,
    state.flagColor,
    state.xpAmount,
    isoOrNull(state.assignedAt),
    isoOrNull(state.startedAt),
    isoOrNull(state.qcSubmittedAt),
    isoOrNull(state.doneAt),
    isoOrNull(state.cancelledAt),
    state.updatedAt.toISOString(),
    state.statusEnteredAt.toISOString(),
    entry.fromStatus,
    entry.event,
    entry.actorId,
    entry.reason,
    JSON.stringify(entry.metadata),
    entry.commandId,
  ]);
  if (!raw) throw new Error(`ticket ${id} vanished while locked`);
  return { ticket: toTicket(raw), transition: toTicketTransition(raw) };
}

export async function findTicket(db: Executor, id: string): Promise<TicketRow | undefined> {
  const [row] = await db.select().from(tickets).where(eq(tickets.id, id));
  return row;
}

export async function insertTicket(tx: Tx, values: typeof tickets.$inferInsert): Promise<TicketRow> {
  const [row] = await tx.insert(tickets).values(values).returning();
  return row!;
}

export async function insertTicketTransition(
  tx: Tx,
  values: typeof ticketTransitions.$inferInsert,
): Promise<TicketTransitionRow> {
  const [row] = await tx.insert(ticketTransitions).values(values).returning();
  return row!;
}

export async function listTicketTransitions(db: Executor, ticketId: string): Promise<TicketTransitionRow[]> {
  return db.select().from(ticketTransitions).where(eq(ticketTransitions.ticketId, ticketId)).orderBy(asc(ticketTransitions.id));
}

export interface TicketPageFilter {
  statuses?: string[];
  technicianId?: string;
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listTickets(db: Executor, filter: TicketPageFilter): Promise<TicketRow[]> {
  const where: SQL[] = [];
  if (filter.statuses?.length) where.push(inArray(tickets.status, filter.statuses));
  if (filter.technicianId) where.push(eq(tickets.technicianId, filter.technicianId));
  if (filter.after) {
    where.push(
      or(
        lt(tickets.createdAt, filter.after.createdAt),
        and(eq(tickets.createdAt, filter.after.createdAt), lt(tickets.id, filter.after.id)),
      )!,
    );
  }
  return db
    .select()
    .from(tickets)
    .where(and(...where))
    .orderBy(desc(tickets.createdAt), desc(tickets.id))
    .limit(filter.limit);
}

export async function listPartSpecs(db: Executor, ticketId: string, includeInactive: boolean): Promise<PartSpecRow[]> {
  return db
    .select()
    .from(ticketPartSpecs)
    .where(and(eq(ticketPartSpecs.ticketId, ticketId), includeInactive ? undefined : eq(ticketPartSpecs.isActive, true)))
    .orderBy(asc(ticketPartSpecs.createdAt), asc(ticketPartSpecs.id));
}

export async function insertPartSpec(tx: Tx, values: typeof ticketPartSpecs.$inferInsert): Promise<PartSpecRow> {
  const [row] = await tx.insert(ticketPartSpecs).values(values).returning();
  return row!;
}

/** Deactivates one active spec of a ticket; undefined when there is none with that id. */
export async function deactivatePartSpec(tx: Tx, ticketId: string, specId: string, at: Date): Promise<PartSpecRow | undefined> {
  const [row] = await tx
    .update(ticketPartSpecs)
    .set({ isActive: false, deactivatedAt: at })
    .where(and(eq(ticketPartSpecs.id, specId), eq(ticketPartSpecs.ticketId, ticketId), eq(ticketPartSpecs.isActive, true)))
    .returning();
  return row;
}

export async function activeSpecMinutes(tx: Tx, ticketId: string): Promise<number[]> {
  const rows = await tx
    .select({ srtMinutes: ticketPartSpecs.srtMinutes })
    .from(ticketPartSpecs)
    .where(and(eq(ticketPartSpecs.ticketId, ticketId), eq(ticketPartSpecs.isActive, true)));
  return rows.map((r) => r.srtMinutes);
}

export async function countTickets(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(tickets);
  return row?.n ?? 0;
}

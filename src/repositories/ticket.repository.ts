import { and, asc, desc, eq, getTableColumns, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.js';
import { ticketPartSpecs, tickets, ticketTransitions } from '../db/schema.js';
import type { PartSpecRow, TicketRow, TicketTransitionRow } from '../presenters/presenters.js';

export type LockedTicket = TicketRow & { activeSpecCount: number };

// Written out in full: drizzle renders columns unqualified inside a select, which would bind `id` to the spec.
const activeSpecCount = sql<number>`(
  SELECT count(*)::int FROM ticket_part_specs s WHERE s.ticket_id = "tickets"."id" AND s.is_active
)`.as('active_spec_count');

/** Locks a ticket row for the rest of the transaction, with its active spec count. */
export async function lockTicket(tx: Tx, id: string): Promise<LockedTicket | undefined> {
  const [row] = await tx
    .select({ ...getTableColumns(tickets), activeSpecCount })
    .from(tickets)
    .where(eq(tickets.id, id))
    .for('update', { of: tickets });
  return row;
}

export async function findTicket(db: Executor, id: string): Promise<TicketRow | undefined> {
  const [row] = await db.select().from(tickets).where(eq(tickets.id, id));
  return row;
}

export async function insertTicket(tx: Tx, values: typeof tickets.$inferInsert): Promise<TicketRow> {
  const [row] = await tx.insert(tickets).values(values).returning();
  return row!;
}

/** Writes a ticket change and bumps its version (optimistic concurrency for clients). */
export async function updateTicket(
  tx: Tx,
  id: string,
  patch: Partial<Omit<typeof tickets.$inferInsert, 'id' | 'version'>>,
): Promise<TicketRow> {
  const [row] = await tx
    .update(tickets)
    .set({ ...patch, version: sql`${tickets.version} + 1` })
    .where(eq(tickets.id, id))
    .returning();
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

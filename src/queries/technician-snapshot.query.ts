import { and, desc, eq, inArray, notInArray } from 'drizzle-orm';
import { openSessionStatuses } from '../../machines/work-session.machine.js';
import type { Executor } from '../db/client.js';
import { tickets, workSessions } from '../db/schema.js';
import { presentTicket, presentWorkSession } from '../presenters/presenters.js';

/** What a handheld needs to redraw from scratch: the technician's active tickets and open session. */
export async function buildTechnicianSnapshot(db: Executor, technicianId: string, now: Date) {
  const [activeTickets, openSessions] = await Promise.all([
    db
      .select()
      .from(tickets)
      .where(and(eq(tickets.technicianId, technicianId), notInArray(tickets.status, ['DONE', 'CANCELLED'])))
      .orderBy(desc(tickets.updatedAt)),
    db
      .select()
      .from(workSessions)
      .where(and(eq(workSessions.technicianId, technicianId), inArray(workSessions.status, [...openSessionStatuses]))),
  ]);
  const open = openSessions[0];
  return {
    at: now.toISOString(),
    tickets: activeTickets.map(presentTicket),
    session: open ? presentWorkSession(open, now) : null,
  };
}

import { z } from 'zod';
import { activeTicketStatuses } from '../../machines/ticket.machine.js';
import { EVERYONE } from '../commands/command.js';
import { inTransaction, type Db } from '../db/client.js';
import { presentSlaEvent, presentStockout } from '../presenters/presenters.js';
import { countActiveTicketsByStatus, floorTechnicianRows } from '../repositories/analytics.repository.js';
import { listOpenBreaches } from '../repositories/sla.repository.js';
import { listStockouts } from '../repositories/stockout.repository.js';
import { defineQuery } from './query.js';

/**
 * The floor-board snapshot (api.md "Analytics shapes"): active tickets by status, each active
 * technician's current ticket (in progress, else their most recently updated active one) and open
 * session with its live timer at `now`, the latest BREACH of each rule and subject that is still
 * open, and the open stockouts. Read in one repeatable-read transaction, so the parts agree.
 */
export async function buildFloorSnapshot(db: Db, now: Date) {
  const { counts, technicians, stockouts, breaches } = await inTransaction(
    db,
    async (tx) => ({
      counts: await countActiveTicketsByStatus(tx),
      technicians: await floorTechnicianRows(tx, now),
      stockouts: await listStockouts(tx, { status: 'OPEN', limit: 500 }),
      breaches: await listOpenBreaches(tx),
    }),
    { snapshot: 'read only' },
  );
  const ticketsByStatus = Object.fromEntries(activeTicketStatuses.map((s) => [s, 0])) as Record<string, number>;
  for (const row of counts) ticketsByStatus[row.status] = row.n;
  return {
    at: now.toISOString(),
    ticketsByStatus,
    technicians: technicians.map((r) => ({
      id: r.id,
      name: r.name,
      ticket: r.ticket_id
        ? { id: r.ticket_id, title: r.ticket_title, status: r.ticket_status, flagColor: r.ticket_flag_color }
        : null,
      session: r.session_id
        ? { id: r.session_id, status: r.session_status, activeSeconds: Math.floor(Number(r.session_active_seconds)) }
        : null,
    })),
    openBreaches: breaches.map(presentSlaEvent),
    openStockouts: stockouts.map((s) => presentStockout(s, now)),
  };
}

export const floorQuery = defineQuery({
  name: 'floor.snapshot',
  summary: 'Floor-board snapshot',
  input: z.object({}),
  roles: EVERYONE,
  run: (deps) => buildFloorSnapshot(deps.db, deps.clock.now()),
});

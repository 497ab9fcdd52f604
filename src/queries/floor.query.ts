import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { activeTicketStatuses } from '../../machines/ticket.machine.js';
import { EVERYONE } from '../commands/command.js';
import type { Executor } from '../db/client.js';
import { presentSlaEvent, presentStockout, type StockoutRow } from '../presenters/presenters.js';
import { listOpenBreaches } from '../repositories/sla.repository.js';
import { listStockouts } from '../repositories/stockout.repository.js';
import { defineQuery } from './query.js';

type TechnicianFloorRow = {
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

/**
 * The floor-board snapshot: active tickets by status, each active technician's current ticket
 * (in progress, else their most recently updated active one) and open session with its live timer,
 * the latest BREACH of each rule and subject that is still open, and the open stockouts.
 */
export async function buildFloorSnapshot(db: Executor, now: Date) {
  const at = now.toISOString();
  const [counts, technicians, stockouts, breaches] = await Promise.all([
    db.execute<{ status: string; n: number }>(sql`
      SELECT status, count(*)::int AS n FROM tickets
      WHERE status NOT IN ('DONE', 'CANCELLED') GROUP BY status`),
    db.execute<TechnicianFloorRow>(sql`
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
      ORDER BY u.display_name, u.id`),
    listStockouts(db, { status: 'OPEN', limit: 500 }),
    listOpenBreaches(db),
  ]);
  const ticketsByStatus = Object.fromEntries(activeTicketStatuses.map((s) => [s, 0])) as Record<string, number>;
  for (const row of counts.rows) ticketsByStatus[row.status] = row.n;
  return {
    at,
    ticketsByStatus,
    technicians: technicians.rows.map((r) => ({
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
    openStockouts: stockouts.map((s: StockoutRow) => presentStockout(s, now)),
  };
}

export const floorQuery = defineQuery({
  name: 'floor.snapshot',
  summary: 'Floor-board snapshot',
  input: z.object({}),
  roles: EVERYONE,
  run: (deps) => buildFloorSnapshot(deps.db, deps.clock.now()),
});

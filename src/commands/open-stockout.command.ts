import { z } from 'zod';
import { isSupervisor } from '../auth/actor.js';
import { forbidden, notFound } from '../errors/app-error.js';
import { findPart } from '../repositories/inventory.repository.js';
import { insertStockout } from '../repositories/stockout.repository.js';
import { findTicket } from '../repositories/ticket.repository.js';
import { presentStockout } from '../presenters/presenters.js';
import { defineCommand, WORKERS } from './command.js';
import { Uuid } from './ticket-events.js';

export const OpenStockoutInput = z.strictObject({
  partId: Uuid,
  ticketId: Uuid.optional(),
  note: z.string().max(2000).optional(),
});

/** start_incident: one OPEN incident per part (guarded by the database). */
export const openStockout = defineCommand({
  name: 'stockout.open',
  summary: 'Open a stockout',
  input: OpenStockoutInput,
  roles: WORKERS,
  successStatus: 201,
  async run(ctx, input) {
    if (!(await findPart(ctx.tx, input.partId))) throw notFound('Part', input.partId);
    if (input.ticketId) {
      const ticket = await findTicket(ctx.tx, input.ticketId);
      if (!ticket) throw notFound('Ticket', input.ticketId);
      if (!isSupervisor(ctx.actor) && ticket.technicianId !== ctx.actor.id) {
        throw forbidden('A technician may only report a stockout on their own ticket', { ticketId: ticket.id });
      }
    }
    const at = ctx.clock.now();
    const incident = await insertStockout(ctx.tx, {
      partId: input.partId,
      ticketId: input.ticketId ?? null,
      status: 'OPEN',
      startedAt: at,
      reportedBy: ctx.actor.id,
      note: input.note ?? null,
    });
    const json = presentStockout(incident, at);
    ctx.publish({ type: 'stockout.updated', aggregateType: 'stockout', aggregateId: incident.id, technicianIds: [], data: { stockout: json } });
    return json;
  },
});

import { z } from 'zod';
import { notFound, validationFailed } from '../errors/app-error.js';
import { findUserById } from '../repositories/user.repository.js';
import { defineCommand, SUPERVISORS } from './command.js';
import {
  decideTicketEvent,
  eventTimeFor,
  ExpectedVersion,
  loadTicketForCommand,
  persistTicketEvent,
  presentTicketChange,
  Uuid,
} from './ticket-events.js';

export const AssignTicketInput = z.strictObject({ ticketId: Uuid, technicianId: Uuid, expectedVersion: ExpectedVersion });

/** assign_to_technician: UNDER_REVIEW/ASSIGNED → ASSIGNED, REWORK stays REWORK with the new assignee. */
export const assignTicket = defineCommand({
  name: 'ticket.assign',
  summary: 'Assign a ticket',
  input: AssignTicketInput,
  roles: SUPERVISORS,
  successStatus: 200,
  async run(ctx, input) {
    const ticket = await loadTicketForCommand(ctx, input.ticketId, input.expectedVersion);
    const event = { type: 'ASSIGN', technicianId: input.technicianId } as const;
    const next = decideTicketEvent(ticket, event);
    const technician = await findUserById(ctx.tx, input.technicianId);
    if (!technician) throw notFound('Technician', input.technicianId);
    if (technician.role !== 'TECHNICIAN' || !technician.active) {
      throw validationFailed('technicianId must be an active TECHNICIAN', [
        { path: 'technicianId', code: 'not_an_active_technician', message: 'must be an active TECHNICIAN' },
      ]);
    }
    const at = eventTimeFor(ctx, ticket);
    const change = await persistTicketEvent(ctx, ticket, next, event, {
      at,
      patch: { assignedAt: at },
      metadata: { previousTechnicianId: ticket.technicianId },
    });
    return presentTicketChange(change);
  },
});

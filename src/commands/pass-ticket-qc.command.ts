import { forbidden } from '../errors/app-error.js';
import { defineCommand, SUPERVISORS } from './command.js';
import {
  decideTicketEvent,
  eventTimeFor,
  loadTicketForCommand,
  persistTicketEvent,
  presentTicketChange,
  TicketCommandInput,
} from './ticket-events.js';

/** mark_qc_pass: WAITING_QC → DONE; four-eyes: the QC actor is not the ticket's technician. */
export const passTicketQc = defineCommand({
  name: 'ticket.qcPass',
  summary: 'Pass QC',
  input: TicketCommandInput,
  roles: SUPERVISORS,
  successStatus: 200,
  async run(ctx, input) {
    const ticket = await loadTicketForCommand(ctx, input.ticketId, input.expectedVersion);
    if (ticket.technicianId === ctx.actor.id) {
      throw forbidden('The technician who did the work may not pass its QC (four-eyes rule)', { rule: 'FOUR_EYES' });
    }
    const event = { type: 'QC_PASS' } as const;
    const next = decideTicketEvent(ticket, event);
    const at = eventTimeFor(ctx, ticket);
    return presentTicketChange(await persistTicketEvent(ctx, ticket, next, event, { at, patch: { doneAt: at } }));
  },
});

import { forbidden } from '../errors/app-error.js';
import { defineCommand, SUPERVISORS } from './command.js';
import {
  decideTicketEvent,
  eventTimeFor,
  loadTicketForCommand,
  persistTicketEvent,
  presentTicketChange,
  TicketReasonInput,
} from './ticket-events.js';

/** mark_qc_fail: WAITING_QC → REWORK with a reason; rework_count += 1. */
export const failTicketQc = defineCommand({
  name: 'ticket.qcFail',
  summary: 'Fail QC',
  input: TicketReasonInput,
  roles: SUPERVISORS,
  successStatus: 200,
  async run(ctx, input) {
    const ticket = await loadTicketForCommand(ctx, input.ticketId, input.expectedVersion);
    if (ticket.technicianId === ctx.actor.id) {
      throw forbidden('The technician who did the work may not judge its QC (four-eyes rule)', { rule: 'FOUR_EYES' });
    }
    const event = { type: 'QC_FAIL', reason: input.reason } as const;
    const next = decideTicketEvent(ticket, event);
    const at = eventTimeFor(ctx, ticket);
    return presentTicketChange(await persistTicketEvent(ctx, ticket, next, event, { at, reason: input.reason }));
  },
});

import { defineCommand, SUPERVISORS } from './command.js';
import {
  decideTicketEvent,
  eventTimeFor,
  loadTicketForCommand,
  persistTicketEvent,
  presentTicketChange,
  TicketReasonInput,
} from './ticket-events.js';
import { stopOpenSessionOfTicket } from './work-session-events.js';

/** UNDER_REVIEW/ASSIGNED/REWORK → CANCELLED with a reason. */
export const cancelTicket = defineCommand({
  name: 'ticket.cancel',
  summary: 'Cancel a ticket',
  input: TicketReasonInput,
  roles: SUPERVISORS,
  successStatus: 200,
  async run(ctx, input) {
    const ticket = await loadTicketForCommand(ctx, input.ticketId, input.expectedVersion);
    const event = { type: 'CANCEL', reason: input.reason } as const;
    const next = decideTicketEvent(ticket, event);
    const at = eventTimeFor(ctx, ticket);
    // Sessions only run while IN_PROGRESS, which CANCEL never leaves; this is a belt to the braces.
    await stopOpenSessionOfTicket(ctx, ticket.id, 'CANCEL');
    return presentTicketChange(
      await persistTicketEvent(ctx, ticket, next, event, { at, reason: input.reason, patch: { cancelledAt: at } }),
    );
  },
});

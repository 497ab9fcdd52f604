import { defineCommand, WORKERS } from './command.js';
import {
  assertAssigneeOrSupervisor,
  decideTicketEvent,
  eventTimeFor,
  loadTicketForCommand,
  persistTicketEvent,
  presentTicketChange,
  TicketReasonInput,
} from './ticket-events.js';
import { presentSessionChange, stopOpenSessionOfTicket } from './work-session-events.js';

/** IN_PROGRESS → ASSIGNED (e.g. blocked by a stockout); stops the open session. */
export const releaseTicket = defineCommand({
  name: 'ticket.release',
  summary: 'Release a ticket in progress',
  input: TicketReasonInput,
  roles: WORKERS,
  successStatus: 200,
  async run(ctx, input) {
    const ticket = await loadTicketForCommand(ctx, input.ticketId, input.expectedVersion);
    assertAssigneeOrSupervisor(ctx, ticket);
    const event = { type: 'RELEASE', reason: input.reason } as const;
    const next = decideTicketEvent(ticket, event);
    const at = eventTimeFor(ctx, ticket);
    const stopped = await stopOpenSessionOfTicket(ctx, ticket.id, 'RELEASE');
    const change = await persistTicketEvent(ctx, ticket, next, event, { at, reason: input.reason });
    return { ...presentTicketChange(change), stoppedSession: stopped ? presentSessionChange(stopped) : null };
  },
});

import { defineCommand, WORKERS } from './command.js';
import {
  assertAssigneeOrSupervisor,
  decideTicketEvent,
  eventTimeFor,
  loadTicketForCommand,
  persistTicketEvent,
  presentTicketChange,
  TicketCommandInput,
} from './ticket-events.js';
import { openSessionForTicket, presentSessionChange } from './work-session-events.js';

/** start_progress: ASSIGNED/REWORK → IN_PROGRESS and a RUNNING session for the assignee, atomically. */
export const startTicket = defineCommand({
  name: 'ticket.start',
  summary: 'Start work on a ticket',
  input: TicketCommandInput,
  roles: WORKERS,
  successStatus: 200,
  async run(ctx, input) {
    const ticket = await loadTicketForCommand(ctx, input.ticketId, input.expectedVersion);
    assertAssigneeOrSupervisor(ctx, ticket);
    const event = { type: 'START' } as const;
    const next = decideTicketEvent(ticket, event);
    const at = eventTimeFor(ctx, ticket);
    const change = await persistTicketEvent(ctx, ticket, next, event, {
      at,
      patch: { startedAt: ticket.startedAt ?? at },
    });
    const session = await openSessionForTicket(ctx, change.ticket, at);
    return { ...presentTicketChange(change), openSession: presentSessionChange(session) };
  },
});

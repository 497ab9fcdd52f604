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
import { presentSessionChange, stopOpenSessionOfTicket } from './work-session-events.js';

/** move_to_waiting_qc: needs an active part spec or manual metrics; stops the open session. */
export const submitTicketQc = defineCommand({
  name: 'ticket.submitQc',
  summary: 'Submit a ticket to QC',
  input: TicketCommandInput,
  roles: WORKERS,
  successStatus: 200,
  async run(ctx, input) {
    const ticket = await loadTicketForCommand(ctx, input.ticketId, input.expectedVersion);
    assertAssigneeOrSupervisor(ctx, ticket);
    const event = { type: 'SUBMIT_QC' } as const;
    const next = decideTicketEvent(ticket, event);
    const at = eventTimeFor(ctx, ticket);
    const stopped = await stopOpenSessionOfTicket(ctx, ticket.id, 'SUBMIT_QC');
    const change = await persistTicketEvent(ctx, ticket, next, event, { at, patch: { qcSubmittedAt: at } });
    return { ...presentTicketChange(change), stoppedSession: stopped ? presentSessionChange(stopped) : null };
  },
});

import { z } from 'zod';
import { defineCommand, WORKERS } from './command.js';
import { assertAssigneeOrSupervisor, eventTimeFor, loadTicketForCommand, Uuid } from './ticket-events.js';
import { openSessionForTicket, presentSessionChange } from './work-session-events.js';

export const StartWorkSessionInput = z.strictObject({ ticketId: Uuid });

/** start_for_ticket: a new RUNNING session on an IN_PROGRESS ticket, for its assignee. */
export const startWorkSession = defineCommand({
  name: 'session.start',
  summary: 'Start a work session',
  input: StartWorkSessionInput,
  roles: WORKERS,
  successStatus: 201,
  async run(ctx, input) {
    // Locking the ticket serialises session starts per ticket and against submit/release.
    const ticket = await loadTicketForCommand(ctx, input.ticketId);
    assertAssigneeOrSupervisor(ctx, ticket);
    return presentSessionChange(await openSessionForTicket(ctx, ticket, eventTimeFor(ctx, ticket)));
  },
});

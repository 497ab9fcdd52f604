import { defineCommand, SUPERVISORS } from './command.js';
import { recomputeAutoMetrics } from './ticket-metrics.js';
import {
  decideTicketEvent,
  eventTimeFor,
  loadTicketForCommand,
  persistTicketEvent,
  presentTicketChange,
  TicketCommandInput,
} from './ticket-events.js';

/** apply_auto_metrics on demand: back to AUTO, recomputed from the active specs. */
export const restoreAutoMetrics = defineCommand({
  name: 'ticket.metrics.auto',
  summary: 'Return ticket metrics to AUTO',
  input: TicketCommandInput,
  roles: SUPERVISORS,
  successStatus: 200,
  async run(ctx, input) {
    const ticket = await loadTicketForCommand(ctx, input.ticketId, input.expectedVersion);
    const event = { type: 'METRICS_AUTO' } as const;
    const next = decideTicketEvent(ticket, event);
    const metrics = await recomputeAutoMetrics(ctx, ticket.id);
    const change = await persistTicketEvent(ctx, ticket, next, event, {
      at: eventTimeFor(ctx, ticket),
      patch: metrics,
      metadata: { metrics },
    });
    return presentTicketChange(change);
  },
});

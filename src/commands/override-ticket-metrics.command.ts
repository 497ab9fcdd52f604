import { z } from 'zod';
import { manualMetrics } from '../domain/ticket-metrics.js';
import { defineCommand, SUPERVISORS } from './command.js';
import {
  decideTicketEvent,
  eventTimeFor,
  ExpectedVersion,
  loadTicketForCommand,
  persistTicketEvent,
  presentTicketChange,
  Reason,
  Uuid,
} from './ticket-events.js';

const Minutes = z.number().int().min(0).max(1_000_000);

export const OverrideTicketMetricsInput = z.strictObject({
  ticketId: Uuid,
  srtTotalMinutes: Minutes,
  flagMinutes: Minutes,
  xpAmount: Minutes,
  reason: Reason,
  expectedVersion: ExpectedVersion,
});

/** apply_manual_metrics: sets the values, colour from flag minutes, metrics_source = MANUAL. */
export const overrideTicketMetrics = defineCommand({
  name: 'ticket.metrics.override',
  summary: 'Override ticket metrics',
  input: OverrideTicketMetricsInput,
  roles: SUPERVISORS,
  successStatus: 200,
  async run(ctx, input) {
    const ticket = await loadTicketForCommand(ctx, input.ticketId, input.expectedVersion);
    const event = { type: 'METRICS_OVERRIDE' } as const;
    const next = decideTicketEvent(ticket, event);
    const metrics = manualMetrics(input, ctx.settings);
    const change = await persistTicketEvent(ctx, ticket, next, event, {
      at: eventTimeFor(ctx, ticket),
      patch: metrics,
      reason: input.reason,
      metadata: {
        previous: {
          srtTotalMinutes: ticket.srtTotalMinutes,
          flagMinutes: ticket.flagMinutes,
          xpAmount: ticket.xpAmount,
          metricsSource: ticket.metricsSource,
        },
        metrics,
      },
    });
    return presentTicketChange(change);
  },
});

import { autoMetrics, type TicketMetrics } from '../domain/ticket-metrics.js';
import { activeSpecMinutes } from '../repositories/ticket.repository.js';
import type { CommandContext } from './command.js';

/** apply_auto_metrics: recomputes from the active specs as they stand in this transaction. */
export async function recomputeAutoMetrics(ctx: CommandContext, ticketId: string): Promise<TicketMetrics> {
  return autoMetrics(await activeSpecMinutes(ctx.tx, ticketId), ctx.settings);
}

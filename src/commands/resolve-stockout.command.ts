import { z } from 'zod';
import { transition } from 'xstate';
import {
  allowedStockoutEvents,
  resolveStockoutSnapshot,
  stockoutMachine,
  type StockoutStatus,
} from '../../machines/stockout.machine.js';
import { laterOf } from '../domain/clock.js';
import { invalidTransition, notFound } from '../errors/app-error.js';
import { lockStockout, resolveStockoutRow } from '../repositories/stockout.repository.js';
import { presentStockout } from '../presenters/presenters.js';
import { defineCommand, SUPERVISORS } from './command.js';
import { Uuid } from './ticket-events.js';

export const ResolveStockoutInput = z.strictObject({ stockoutId: Uuid, note: z.string().max(2000).optional() });

/** OPEN → RESOLVED; resolving again is refused (409) and changes nothing. */
export const resolveStockout = defineCommand({
  name: 'stockout.resolve',
  summary: 'Resolve a stockout',
  input: ResolveStockoutInput,
  roles: SUPERVISORS,
  successStatus: 200,
  async run(ctx, input) {
    const incident = await lockStockout(ctx.tx, input.stockoutId);
    if (!incident) throw notFound('Stockout', input.stockoutId);
    const snapshot = resolveStockoutSnapshot(incident.status as StockoutStatus);
    const event = { type: 'RESOLVE' } as const;
    if (!snapshot.can(event)) throw invalidTransition(event.type, incident.status, allowedStockoutEvents(snapshot));
    transition(stockoutMachine, snapshot, event);
    const at = laterOf(ctx.clock.now(), incident.startedAt);
    const resolved = await resolveStockoutRow(ctx.tx, incident.id, {
      resolvedAt: at,
      resolvedBy: ctx.actor.id,
      resolutionNote: input.note ?? null,
    });
    const json = presentStockout(resolved, at);
    ctx.publish({ type: 'stockout.updated', aggregateType: 'stockout', aggregateId: resolved.id, technicianIds: [], data: { stockout: json } });
    return json;
  },
});

import { getNextTransitions, setup, type SnapshotFrom } from 'xstate';
import { z } from 'zod';

export const StockoutStatus = z.enum(['OPEN', 'RESOLVED']);
export type StockoutStatus = z.infer<typeof StockoutStatus>;

export type StockoutEvent = { type: 'RESOLVE' };

/** A stockout incident: OPEN until a supervisor resolves it; resolving twice is refused. */
export const stockoutMachine = setup({
  types: { events: {} as StockoutEvent },
}).createMachine({
  id: 'stockout',
  initial: 'OPEN',
  states: {
    OPEN: { on: { RESOLVE: { target: 'RESOLVED' } } },
    RESOLVED: { type: 'final' },
  },
});

export type StockoutSnapshot = SnapshotFrom<typeof stockoutMachine>;

/** Rebuilds the snapshot of a persisted incident. */
export function resolveStockoutSnapshot(status: StockoutStatus): StockoutSnapshot {
  return stockoutMachine.resolveState({ value: status, context: {} });
}

/** Events the statechart accepts from this snapshot. */
export function allowedStockoutEvents(snapshot: StockoutSnapshot): StockoutEvent['type'][] {
  return [...new Set(getNextTransitions(snapshot).map((t) => t.eventType as StockoutEvent['type']))];
}

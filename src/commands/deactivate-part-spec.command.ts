import { z } from 'zod';
import { notFound } from '../errors/app-error.js';
import { deactivatePartSpec as deactivateSpecRow } from '../repositories/ticket.repository.js';
import { presentPartSpec, presentTicket } from '../presenters/presenters.js';
import { defineCommand, SUPERVISORS } from './command.js';
import { recomputeAutoMetrics } from './ticket-metrics.js';
import { decideTicketEvent, eventTimeFor, ExpectedVersion, loadTicketForCommand, persistTicketEvent, Uuid } from './ticket-events.js';

export const DeactivatePartSpecInput = z.strictObject({ ticketId: Uuid, specId: Uuid, expectedVersion: ExpectedVersion });

/** Deactivates a spec (history is kept); AUTO metrics follow. */
export const deactivatePartSpec = defineCommand({
  name: 'ticket.partSpec.deactivate',
  summary: 'Deactivate a part spec',
  input: DeactivatePartSpecInput,
  roles: SUPERVISORS,
  successStatus: 200,
  async run(ctx, input) {
    const ticket = await loadTicketForCommand(ctx, input.ticketId, input.expectedVersion);
    const event = { type: 'PART_SPEC_DEACTIVATE' } as const;
    const at = eventTimeFor(ctx, ticket);
    // The spec must exist before the chart is asked, so an unknown spec id is a 404, not a 409.
    const spec = await deactivateSpecRow(ctx.tx, ticket.id, input.specId, at);
    if (!spec) throw notFound('Active part spec', input.specId);
    const next = decideTicketEvent(ticket, event);
    const metrics = ticket.metricsSource === 'AUTO' ? await recomputeAutoMetrics(ctx, ticket.id) : undefined;
    const change = await persistTicketEvent(ctx, ticket, next, event, {
      at,
      patch: metrics,
      metadata: { specId: spec.id, partId: spec.partId },
    });
    return { ...presentPartSpec(spec), ticket: presentTicket(change.ticket) };
  },
});

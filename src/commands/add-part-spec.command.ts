import { z } from 'zod';
import { notFound, validationFailed } from '../errors/app-error.js';
import { findPart } from '../repositories/inventory.repository.js';
import { insertPartSpec } from '../repositories/ticket.repository.js';
import { presentPartSpec, presentTicket } from '../presenters/presenters.js';
import { defineCommand, SUPERVISORS } from './command.js';
import { recomputeAutoMetrics } from './ticket-metrics.js';
import { decideTicketEvent, eventTimeFor, ExpectedVersion, loadTicketForCommand, persistTicketEvent, Uuid } from './ticket-events.js';

export const AddPartSpecInput = z.strictObject({
  ticketId: Uuid,
  partId: Uuid,
  srtMinutes: z.number().int().min(0).max(100_000).optional(),
  note: z.string().max(2000).optional(),
  expectedVersion: ExpectedVersion,
});

/** Adds a part to an active ticket (srt defaults to the part's standard time); AUTO metrics follow. */
export const addPartSpec = defineCommand({
  name: 'ticket.partSpec.add',
  summary: 'Add a part spec',
  input: AddPartSpecInput,
  roles: SUPERVISORS,
  successStatus: 201,
  async run(ctx, input) {
    const ticket = await loadTicketForCommand(ctx, input.ticketId, input.expectedVersion);
    const event = { type: 'PART_SPEC_ADD' } as const;
    const next = decideTicketEvent(ticket, event);
    const part = await findPart(ctx.tx, input.partId);
    if (!part) throw notFound('Part', input.partId);
    if (!part.active) {
      throw validationFailed('The part is inactive', [{ path: 'partId', code: 'inactive_part', message: 'part is inactive' }]);
    }
    const at = eventTimeFor(ctx, ticket);
    const spec = await insertPartSpec(ctx.tx, {
      ticketId: ticket.id,
      partId: part.id,
      srtMinutes: input.srtMinutes ?? part.defaultSrtMinutes,
      note: input.note ?? null,
      createdBy: ctx.actor.id,
      createdAt: at,
    });
    const metrics = ticket.metricsSource === 'AUTO' ? await recomputeAutoMetrics(ctx, ticket.id) : undefined;
    const change = await persistTicketEvent(ctx, ticket, next, event, {
      at,
      patch: metrics,
      metadata: { specId: spec.id, partId: part.id, srtMinutes: spec.srtMinutes },
    });
    return { ...presentPartSpec(spec), ticket: presentTicket(change.ticket) };
  },
});

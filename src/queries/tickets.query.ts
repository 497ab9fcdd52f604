import { z } from 'zod';
import { allowedTicketEvents, TicketStatus } from '../../machines/ticket.machine.js';
import type { Actor } from '../auth/actor.js';
import type { Executor } from '../db/client.js';
import { EVERYONE } from '../commands/command.js';
import { snapshotOf, Uuid } from '../commands/ticket-events.js';
import { forbidden, notFound, validationFailed } from '../errors/app-error.js';
import {
  presentPartSpec,
  presentTicket,
  presentTicketTransition,
  presentWorkSession,
  type TicketRow,
} from '../presenters/presenters.js';
import { findTicket, listPartSpecs, listTickets, listTicketTransitions } from '../repositories/ticket.repository.js';
import { findOpenSessionOfTicket } from '../repositories/work-session.repository.js';
import { defineQuery } from './query.js';

/** Loads a ticket the actor may read: technicians read only tickets assigned to them, other roles all. */
async function findReadableTicket(db: Executor, actor: Actor, ticketId: string): Promise<TicketRow> {
  const ticket = await findTicket(db, ticketId);
  if (!ticket) throw notFound('Ticket', ticketId);
  if (actor.role === 'TECHNICIAN' && ticket.technicianId !== actor.id) {
    throw forbidden('Technicians may only read their own tickets', { ticketId: ticket.id });
  }
  return ticket;
}

const CursorPayload = z.object({
  c: z.iso.datetime().refine((v) => {
    const year = new Date(v).getUTCFullYear();
    return year >= 1970 && year <= 9999;
  }, 'out of range'),
  i: Uuid,
});

function encodeCursor(ticket: TicketRow): string {
  return Buffer.from(JSON.stringify({ c: ticket.createdAt.toISOString(), i: ticket.id })).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed = CursorPayload.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { createdAt: new Date(parsed.c), id: parsed.i };
  } catch {
    throw validationFailed('Invalid cursor', [{ path: 'cursor', code: 'invalid_cursor', message: 'not a cursor from this API' }]);
  }
}

const commaSeparatedStatuses = z
  .string()
  .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
  .pipe(z.array(TicketStatus).min(1));

export const ListTicketsInput = z.object({
  status: commaSeparatedStatuses.optional(),
  technicianId: Uuid.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

/** Newest first with an opaque keyset cursor; technicians see only their own. */
export const listTicketsQuery = defineQuery({
  name: 'ticket.list',
  summary: 'List tickets',
  input: ListTicketsInput,
  roles: EVERYONE,
  async run(deps, actor, input) {
    const technicianId = actor.role === 'TECHNICIAN' ? actor.id : input.technicianId;
    if (actor.role === 'TECHNICIAN' && input.technicianId && input.technicianId !== actor.id) {
      throw forbidden('Technicians may only list their own tickets');
    }
    const rows = await listTickets(deps.db, {
      statuses: input.status,
      technicianId,
      after: input.cursor ? decodeCursor(input.cursor) : undefined,
      limit: input.limit + 1,
    });
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return { items: page.map(presentTicket), nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null };
  },
});

export const TicketIdInput = z.object({ ticketId: Uuid });

/** A ticket with its active part specs, the events allowed now and its open session. */
export const getTicketQuery = defineQuery({
  name: 'ticket.get',
  summary: 'Get a ticket',
  input: TicketIdInput.extend({ includeInactiveSpecs: z.enum(['true', 'false']).optional() }),
  roles: EVERYONE,
  async run(deps, actor, input) {
    const ticket = await findReadableTicket(deps.db, actor, input.ticketId);
    const [specs, openSession] = await Promise.all([
      listPartSpecs(deps.db, ticket.id, input.includeInactiveSpecs === 'true'),
      findOpenSessionOfTicket(deps.db, ticket.id),
    ]);
    const activeSpecCount = specs.filter((s) => s.isActive).length;
    const now = deps.clock.now();
    return {
      ...presentTicket(ticket),
      partSpecs: specs.map(presentPartSpec),
      allowedEvents: allowedTicketEvents(snapshotOf({ ...ticket, activeSpecCount })),
      openSession: openSession ? presentWorkSession(openSession, now) : null,
    };
  },
});

/** The append-only log of a ticket, oldest first. */
export const getTicketTransitionsQuery = defineQuery({
  name: 'ticket.transitions',
  summary: 'List ticket transitions',
  input: TicketIdInput,
  roles: EVERYONE,
  async run(deps, actor, input) {
    const ticket = await findReadableTicket(deps.db, actor, input.ticketId);
    return { items: (await listTicketTransitions(deps.db, ticket.id)).map(presentTicketTransition) };
  },
});

import { z } from 'zod';
import { transition } from 'xstate';
import {
  allowedTicketEvents,
  resolveTicketSnapshot,
  ticketMachine,
  type MetricsSource,
  type TicketEvent,
  type TicketSnapshot,
  type TicketStatus,
} from '../../machines/ticket.machine.js';
import { isSupervisor } from '../auth/actor.js';
import { laterOf } from '../domain/clock.js';
import { AppError, forbidden, invalidTransition, notFound } from '../errors/app-error.js';
import { insertTicketTransition, lockTicket, updateTicket, type LockedTicket } from '../repositories/ticket.repository.js';
import {
  presentTicket,
  presentTicketTransition,
  type TicketRow,
  type TicketTransitionRow,
} from '../presenters/presenters.js';
import type { CommandContext } from './command.js';

export const Uuid = z.uuid({ message: 'must be a UUID' });
export const Reason = z.string().trim().min(1, 'is required').max(1000);
/** Optimistic concurrency: REST maps `If-Match` here; socket clients send it in the payload. */
export const ExpectedVersion = z.number().int().min(1).optional();

/** Input of the ticket lifecycle commands that take no extra fields. */
export const TicketCommandInput = z.strictObject({ ticketId: Uuid, expectedVersion: ExpectedVersion });
export const TicketReasonInput = z.strictObject({ ticketId: Uuid, reason: Reason, expectedVersion: ExpectedVersion });

/** Locks the ticket and checks the client's expected version. */
export async function loadTicketForCommand(
  ctx: CommandContext,
  ticketId: string,
  expectedVersion?: number,
): Promise<LockedTicket> {
  const ticket = await lockTicket(ctx.tx, ticketId);
  if (!ticket) throw notFound('Ticket', ticketId);
  if (expectedVersion !== undefined && expectedVersion !== ticket.version) {
    throw new AppError('STALE_VERSION', 'The ticket changed since you read it', {
      expectedVersion,
      currentVersion: ticket.version,
    });
  }
  return ticket;
}

/** Object-level rule: a technician acts only on a ticket assigned to them; supervisors on any. */
export function assertAssigneeOrSupervisor(ctx: CommandContext, ticket: TicketRow): void {
  if (isSupervisor(ctx.actor)) return;
  if (ctx.actor.role === 'TECHNICIAN' && ticket.technicianId === ctx.actor.id) return;
  throw forbidden('Only the assigned technician or a supervisor may do this', { ticketId: ticket.id });
}

export function snapshotOf(ticket: LockedTicket): TicketSnapshot {
  return resolveTicketSnapshot(ticket.status as TicketStatus, {
    technicianId: ticket.technicianId,
    reworkCount: ticket.reworkCount,
    activeSpecCount: ticket.activeSpecCount,
    metricsSource: ticket.metricsSource as MetricsSource,
  });
}

/** Asks the statechart; refuses with INVALID_TRANSITION and the allowed events, or returns the next snapshot. */
export function decideTicketEvent(ticket: LockedTicket, event: TicketEvent): TicketSnapshot {
  const snapshot = snapshotOf(ticket);
  if (!snapshot.can(event)) throw invalidTransition(event.type, ticket.status, allowedTicketEvents(snapshot));
  const [next] = transition(ticketMachine, snapshot, event);
  return next;
}

export interface TicketChange {
  ticket: TicketRow;
  transition: TicketTransitionRow;
}

/**
 * Writes what the statechart decided: the row (status and context), the transition-log entry
 * and the `ticket.updated` outbox event, all in the command's transaction.
 */
export async function persistTicketEvent(
  ctx: CommandContext,
  ticket: LockedTicket,
  next: TicketSnapshot,
  event: TicketEvent,
  options: {
    at: Date;
    patch?: Parameters<typeof updateTicket>[2];
    reason?: string | null;
    metadata?: Record<string, unknown>;
  },
): Promise<TicketChange> {
  const toStatus = next.value as TicketStatus;
  // Status clocks restart when the status changes, and on re-assignment (a new technician's clock).
  const restartsClock = toStatus !== ticket.status || event.type === 'ASSIGN';
  const updated = await updateTicket(ctx.tx, ticket.id, {
    status: toStatus,
    ...(restartsClock ? { statusEnteredAt: options.at } : {}),
    technicianId: next.context.technicianId,
    reworkCount: next.context.reworkCount,
    metricsSource: next.context.metricsSource,
    updatedAt: options.at,
    ...options.patch,
  });
  const logged = await insertTicketTransition(ctx.tx, {
    ticketId: ticket.id,
    fromStatus: ticket.status,
    toStatus,
    event: event.type,
    actorId: ctx.actor.id,
    technicianId: updated.technicianId,
    reason: options.reason ?? null,
    metadata: options.metadata ?? {},
    commandId: ctx.commandId,
    createdAt: options.at,
  });
  ctx.publish({
    type: 'ticket.updated',
    aggregateType: 'ticket',
    aggregateId: ticket.id,
    technicianIds: [updated.technicianId, ticket.technicianId],
    data: { ticket: presentTicket(updated), transition: presentTicketTransition(logged) },
  });
  return { ticket: updated, transition: logged };
}

/** The event time of a command on this ticket: now, but never before the ticket's last change. */
export const eventTimeFor = (ctx: CommandContext, ticket: TicketRow): Date => laterOf(ctx.clock.now(), ticket.updatedAt);

/** The response of a ticket lifecycle command: the ticket and the transition it made. */
export function presentTicketChange(change: TicketChange) {
  return { ...presentTicket(change.ticket), transition: presentTicketTransition(change.transition) };
}

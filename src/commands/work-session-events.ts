import { transition } from 'xstate';
import {
  allowedWorkSessionEvents,
  resolveWorkSessionSnapshot,
  workSessionMachine,
  type WorkSessionEvent,
  type WorkSessionState,
} from '../../machines/work-session.machine.js';
import { isSupervisor } from '../auth/actor.js';
import { laterOf } from '../domain/clock.js';
import { AppError, forbidden, invalidTransition } from '../errors/app-error.js';
import {
  insertRunningSession,
  lockOpenSessionOfTicket,
  writeSessionEvent,
  type SessionWrite,
} from '../repositories/work-session.repository.js';
import {
  presentWorkSession,
  presentWorkSessionTransition,
  type TicketRow,
  type WorkSessionRow,
  type WorkSessionTransitionRow,
} from '../presenters/presenters.js';
import type { CommandContext } from './command.js';

export interface SessionChange {
  session: WorkSessionRow;
  transition: WorkSessionTransitionRow;
  at: Date;
}

/** Object-level rule: a technician acts only on their own sessions; supervisors on any. */
export function assertSessionOwnerOrSupervisor(ctx: CommandContext, session: WorkSessionRow): void {
  if (isSupervisor(ctx.actor)) return;
  if (ctx.actor.role === 'TECHNICIAN' && session.technicianId === ctx.actor.id) return;
  throw forbidden('Only the session owner or a supervisor may do this', { sessionId: session.id });
}

function decide(state: WorkSessionState, context: Parameters<typeof resolveWorkSessionSnapshot>[1], event: WorkSessionEvent) {
  const snapshot = resolveWorkSessionSnapshot(state, context);
  if (!snapshot.can(event)) {
    throw invalidTransition(event.type, state, allowedWorkSessionEvents(snapshot));
  }
  return transition(workSessionMachine, snapshot, event)[0];
}

/** Queues the `session.updated` push for a written change. */
function publishSessionChange(ctx: CommandContext, write: SessionWrite, at: Date): SessionChange {
  const { session, transition } = write;
  ctx.publish({
    type: 'session.updated',
    aggregateType: 'work_session',
    aggregateId: session.id,
    technicianIds: [session.technicianId],
    data: { session: presentWorkSession(session, at), transition: presentWorkSessionTransition(transition) },
  });
  return { session, transition, at };
}

/** start_for_ticket: opens a RUNNING session for the ticket's assignee (ticket already locked). */
export async function openSessionForTicket(ctx: CommandContext, ticket: TicketRow, at: Date): Promise<SessionChange> {
  const technicianId = ticket.technicianId ?? '';
  const snapshot = resolveWorkSessionSnapshot('NEW', { ticketStatus: ticket.status, ticketTechnicianId: ticket.technicianId, technicianId });
  if (!snapshot.can({ type: 'START' })) {
    throw new AppError('INVALID_TRANSITION', `A work session can only start on an IN_PROGRESS ticket; this one is ${ticket.status}`, {
      event: 'START',
      status: ticket.status,
      ticketId: ticket.id,
      allowedEvents: [],
    });
  }
  const write = await insertRunningSession(ctx.tx, {
    ticketId: ticket.id,
    technicianId,
    at,
    actorId: ctx.actor.id,
    commandId: ctx.commandId,
  });
  return publishSessionChange(ctx, write, at);
}

/** PAUSE / RESUME / STOP on a locked session, as the statechart decides. */
export async function applySessionEvent(
  ctx: CommandContext,
  session: WorkSessionRow,
  event: WorkSessionEvent,
  options: { reason?: string | null } = {},
): Promise<SessionChange> {
  const next = decide(
    session.status as WorkSessionState,
    { ticketStatus: 'IN_PROGRESS', ticketTechnicianId: session.technicianId, technicianId: session.technicianId },
    event,
  );
  const at = laterOf(ctx.clock.now(), session.updatedAt);
  const status = next.value as WorkSessionState;
  const write = await writeSessionEvent(
    ctx.tx,
    session.id,
    {
      status,
      at,
      closeRunningInterval: session.status === 'RUNNING',
      runningSince: status === 'RUNNING' ? at : null,
      pauseReason: event.type === 'PAUSE' ? event.reason : null,
      endedAt: status === 'STOPPED' ? at : null,
    },
    {
      fromStatus: session.status,
      event: event.type,
      reason: event.type === 'PAUSE' ? event.reason : (options.reason ?? null),
      actorId: ctx.actor.id,
      commandId: ctx.commandId,
    },
  );
  return publishSessionChange(ctx, write, at);
}

export function presentSessionChange(change: SessionChange) {
  return { ...presentWorkSession(change.session, change.at), transition: presentWorkSessionTransition(change.transition) };
}

/** Stops the ticket's open session, if any, because the ticket left IN_PROGRESS. */
export async function stopOpenSessionOfTicket(
  ctx: CommandContext,
  ticketId: string,
  reason: string,
): Promise<SessionChange | undefined> {
  const open = await lockOpenSessionOfTicket(ctx.tx, ticketId);
  if (!open) return undefined;
  return applySessionEvent(ctx, open, { type: 'STOP' }, { reason });
}

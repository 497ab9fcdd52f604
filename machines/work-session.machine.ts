import { getNextTransitions, setup, type SnapshotFrom } from 'xstate';
import { z } from 'zod';

export const sessionStatuses = ['RUNNING', 'PAUSED', 'STOPPED'] as const;
export const SessionStatus = z.enum(sessionStatuses);
export type SessionStatus = z.infer<typeof SessionStatus>;

/** Open sessions count against the one-open-session invariants. */
export const openSessionStatuses = ['RUNNING', 'PAUSED'] as const satisfies readonly SessionStatus[];

export const PauseReason = z.enum(['BREAK', 'STOCKOUT', 'END_OF_SHIFT', 'OTHER']);
export type PauseReason = z.infer<typeof PauseReason>;

/** Facts about the session's ticket that the START guard needs. */
export interface WorkSessionContext {
  ticketStatus: string;
  ticketTechnicianId: string | null;
  technicianId: string;
}

export type WorkSessionEvent =
  | { type: 'START' }
  | { type: 'PAUSE'; reason: PauseReason }
  | { type: 'RESUME' }
  | { type: 'STOP' };

export type WorkSessionEventType = WorkSessionEvent['type'];

/**
 * The work-session statechart of domain.md. `NEW` is the state of a session
 * that does not exist yet, so `start_for_ticket` is a guarded event like the others.
 */
export const workSessionMachine = setup({
  types: {
    context: {} as WorkSessionContext,
    events: {} as WorkSessionEvent,
    input: {} as WorkSessionContext,
  },
  guards: {
    ticketInProgressForTechnician: ({ context }) =>
      context.ticketStatus === 'IN_PROGRESS' && context.ticketTechnicianId === context.technicianId,
    hasPauseReason: ({ event }) => event.type === 'PAUSE' && PauseReason.safeParse(event.reason).success,
  },
}).createMachine({
  id: 'workSession',
  initial: 'NEW',
  context: ({ input }) => input,
  states: {
    NEW: { on: { START: { target: 'RUNNING', guard: 'ticketInProgressForTechnician' } } },
    RUNNING: {
      on: {
        PAUSE: { target: 'PAUSED', guard: 'hasPauseReason' },
        STOP: { target: 'STOPPED' },
      },
    },
    PAUSED: {
      on: {
        RESUME: { target: 'RUNNING' },
        STOP: { target: 'STOPPED' },
      },
    },
    STOPPED: { type: 'final' },
  },
});

export type WorkSessionSnapshot = SnapshotFrom<typeof workSessionMachine>;
export type WorkSessionState = SessionStatus | 'NEW';

/** Rebuilds the snapshot of a persisted (or about-to-be-created) session. */
export function resolveWorkSessionSnapshot(state: WorkSessionState, context: WorkSessionContext): WorkSessionSnapshot {
  return workSessionMachine.resolveState({ value: state, context });
}

function probeEvent(type: WorkSessionEventType): WorkSessionEvent {
  return type === 'PAUSE' ? { type, reason: 'OTHER' } : ({ type } as WorkSessionEvent);
}

/** Events the statechart accepts from this snapshot. */
export function allowedWorkSessionEvents(snapshot: WorkSessionSnapshot): WorkSessionEventType[] {
  const types = new Set(getNextTransitions(snapshot).map((t) => t.eventType as WorkSessionEventType));
  return [...types].filter((type) => snapshot.can(probeEvent(type)));
}

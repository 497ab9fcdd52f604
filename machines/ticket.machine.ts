import { assign, getNextTransitions, setup, type SnapshotFrom } from 'xstate';
import { z } from 'zod';

/** Every ticket status, in lifecycle order. */
export const ticketStatuses = [
  'UNDER_REVIEW',
  'ASSIGNED',
  'IN_PROGRESS',
  'WAITING_QC',
  'REWORK',
  'DONE',
  'CANCELLED',
] as const;
export const TicketStatus = z.enum(ticketStatuses);
export type TicketStatus = z.infer<typeof TicketStatus>;

/** Statuses in which a ticket is still "active" (DONE and CANCELLED are terminal). */
export const activeTicketStatuses = ticketStatuses.filter(
  (s) => s !== 'DONE' && s !== 'CANCELLED',
) as Exclude<TicketStatus, 'DONE' | 'CANCELLED'>[];

export const MetricsSource = z.enum(['AUTO', 'MANUAL']);
export type MetricsSource = z.infer<typeof MetricsSource>;

/** What the statechart needs to know about a ticket row to decide. */
export interface TicketContext {
  technicianId: string | null;
  reworkCount: number;
  activeSpecCount: number;
  metricsSource: MetricsSource;
}

export type TicketEvent =
  | { type: 'ASSIGN'; technicianId: string }
  | { type: 'START' }
  | { type: 'SUBMIT_QC' }
  | { type: 'QC_PASS' }
  | { type: 'QC_FAIL'; reason: string }
  | { type: 'RELEASE'; reason: string }
  | { type: 'CANCEL'; reason: string }
  | { type: 'PART_SPEC_ADD' }
  | { type: 'PART_SPEC_DEACTIVATE' }
  | { type: 'METRICS_OVERRIDE' }
  | { type: 'METRICS_AUTO' };

export type TicketEventType = TicketEvent['type'];

/** Events that move the ticket between statuses (the lifecycle proper). */
export const ticketLifecycleEvents = [
  'ASSIGN',
  'START',
  'SUBMIT_QC',
  'QC_PASS',
  'QC_FAIL',
  'RELEASE',
  'CANCEL',
] as const satisfies readonly TicketEventType[];

/** Events that edit an active ticket without changing its status. */
export const ticketEditEvents = [
  'PART_SPEC_ADD',
  'PART_SPEC_DEACTIVATE',
  'METRICS_OVERRIDE',
  'METRICS_AUTO',
] as const satisfies readonly TicketEventType[];

const hasText = (value: string | undefined): boolean => typeof value === 'string' && value.trim().length > 0;

// Edits are self-transitions; each carries an action so `snapshot.can()` treats it as enabled.
const editable = {
  PART_SPEC_ADD: { actions: 'countSpecAdded' },
  PART_SPEC_DEACTIVATE: { guard: 'hasActiveSpec', actions: 'countSpecRemoved' },
  METRICS_OVERRIDE: { actions: 'useManualMetrics' },
  METRICS_AUTO: { actions: 'useAutoMetrics' },
} as const;

/** The ticket statechart of domain.md; pure, used through `transition`/`resolveState`. */
export const ticketMachine = setup({
  types: {
    context: {} as TicketContext,
    events: {} as TicketEvent,
    input: {} as TicketContext,
  },
  guards: {
    hasTechnicianId: ({ event }) => event.type === 'ASSIGN' && hasText(event.technicianId),
    hasAssignee: ({ context }) => context.technicianId !== null,
    hasMetrics: ({ context }) => context.activeSpecCount > 0 || context.metricsSource === 'MANUAL',
    hasReason: ({ event }) => 'reason' in event && hasText(event.reason),
    hasActiveSpec: ({ context }) => context.activeSpecCount > 0,
  },
  actions: {
    setTechnician: assign({
      technicianId: ({ event, context }) => (event.type === 'ASSIGN' ? event.technicianId : context.technicianId),
    }),
    countRework: assign({ reworkCount: ({ context }) => context.reworkCount + 1 }),
    countSpecAdded: assign({ activeSpecCount: ({ context }) => context.activeSpecCount + 1 }),
    countSpecRemoved: assign({ activeSpecCount: ({ context }) => Math.max(0, context.activeSpecCount - 1) }),
    useManualMetrics: assign({ metricsSource: 'MANUAL' as const }),
    useAutoMetrics: assign({ metricsSource: 'AUTO' as const }),
  },
}).createMachine({
  id: 'ticket',
  initial: 'UNDER_REVIEW',
  context: ({ input }) => input,
  states: {
    UNDER_REVIEW: {
      on: {
        ASSIGN: { target: 'ASSIGNED', guard: 'hasTechnicianId', actions: 'setTechnician' },
        CANCEL: { target: 'CANCELLED', guard: 'hasReason' },
        ...editable,
      },
    },
    ASSIGNED: {
      on: {
        ASSIGN: { target: 'ASSIGNED', guard: 'hasTechnicianId', actions: 'setTechnician' },
        START: { target: 'IN_PROGRESS', guard: 'hasAssignee' },
        CANCEL: { target: 'CANCELLED', guard: 'hasReason' },
        ...editable,
      },
    },
    IN_PROGRESS: {
      on: {
        SUBMIT_QC: { target: 'WAITING_QC', guard: 'hasMetrics' },
        RELEASE: { target: 'ASSIGNED', guard: 'hasReason' },
        ...editable,
      },
    },
    WAITING_QC: {
      on: {
        QC_PASS: { target: 'DONE' },
        QC_FAIL: { target: 'REWORK', guard: 'hasReason', actions: 'countRework' },
        ...editable,
      },
    },
    REWORK: {
      on: {
        // Re-assigning a ticket in rework keeps it in REWORK (domain.md).
        ASSIGN: { target: 'REWORK', guard: 'hasTechnicianId', actions: 'setTechnician' },
        START: { target: 'IN_PROGRESS', guard: 'hasAssignee' },
        CANCEL: { target: 'CANCELLED', guard: 'hasReason' },
        ...editable,
      },
    },
    DONE: { type: 'final' },
    CANCELLED: { type: 'final' },
  },
});

export type TicketSnapshot = SnapshotFrom<typeof ticketMachine>;

/** Rebuilds the snapshot of a persisted ticket. */
export function resolveTicketSnapshot(status: TicketStatus, context: TicketContext): TicketSnapshot {
  return ticketMachine.resolveState({ value: status, context });
}

/** A representative event of each type, used to ask the chart which events it would accept. */
function probeEvent(type: TicketEventType): TicketEvent {
  switch (type) {
    case 'ASSIGN':
      return { type, technicianId: 'probe' };
    case 'QC_FAIL':
    case 'RELEASE':
    case 'CANCEL':
      return { type, reason: 'probe' };
    default:
      return { type } as TicketEvent;
  }
}

/** Events the statechart accepts from this snapshot (payload-independent guards applied). */
export function allowedTicketEvents(snapshot: TicketSnapshot): TicketEventType[] {
  const types = new Set(getNextTransitions(snapshot).map((t) => t.eventType as TicketEventType));
  return [...types].filter((type) => snapshot.can(probeEvent(type)));
}

import { expect } from 'chai';
import { transition } from 'xstate';
import {
  allowedTicketEvents,
  resolveTicketSnapshot,
  ticketMachine,
  type TicketContext,
  type TicketEvent,
  type TicketEventType,
  type TicketSnapshot,
  type TicketStatus,
} from '../../machines/ticket.machine.js';

/**
 * The ticket statechart, checked against a table written by hand from
 * shared/spec/domain.md — NOT derived from the machine — so that any drift
 * between the chart and the spec makes a test fail.
 */

const STATUSES: readonly TicketStatus[] = [
  'UNDER_REVIEW',
  'ASSIGNED',
  'IN_PROGRESS',
  'WAITING_QC',
  'REWORK',
  'DONE',
  'CANCELLED',
];

const EVENT_TYPES: readonly TicketEventType[] = [
  'ASSIGN',
  'START',
  'SUBMIT_QC',
  'QC_PASS',
  'QC_FAIL',
  'RELEASE',
  'CANCEL',
  'PART_SPEC_ADD',
  'PART_SPEC_DEACTIVATE',
  'METRICS_OVERRIDE',
  'METRICS_AUTO',
];

const LIFECYCLE: readonly TicketEventType[] = ['ASSIGN', 'START', 'SUBMIT_QC', 'QC_PASS', 'QC_FAIL', 'RELEASE', 'CANCEL'];

const FINAL: readonly TicketStatus[] = ['DONE', 'CANCELLED'];

/** Edits are self-transitions allowed in every active status (domain.md: specs/metrics editable while active). */
const edits = (status: TicketStatus) => ({
  PART_SPEC_ADD: status,
  PART_SPEC_DEACTIVATE: status,
  METRICS_OVERRIDE: status,
  METRICS_AUTO: status,
});

/** Expected target per (status, event); a missing entry means "refused". */
const EXPECTED: Record<TicketStatus, Partial<Record<TicketEventType, TicketStatus>>> = {
  UNDER_REVIEW: { ASSIGN: 'ASSIGNED', CANCEL: 'CANCELLED', ...edits('UNDER_REVIEW') },
  ASSIGNED: { ASSIGN: 'ASSIGNED', START: 'IN_PROGRESS', CANCEL: 'CANCELLED', ...edits('ASSIGNED') },
  IN_PROGRESS: { SUBMIT_QC: 'WAITING_QC', RELEASE: 'ASSIGNED', ...edits('IN_PROGRESS') },
  WAITING_QC: { QC_PASS: 'DONE', QC_FAIL: 'REWORK', ...edits('WAITING_QC') },
  REWORK: { ASSIGN: 'REWORK', START: 'IN_PROGRESS', CANCEL: 'CANCELLED', ...edits('REWORK') },
  DONE: {},
  CANCELLED: {},
};

/** A ticket that satisfies every context guard: assigned, one active spec, AUTO metrics. */
const baseContext = (overrides: Partial<TicketContext> = {}): TicketContext => ({
  technicianId: 'tech-1',
  reworkCount: 0,
  activeSpecCount: 1,
  metricsSource: 'AUTO',
  ...overrides,
});

/** A valid event of each type (non-blank reasons, a technician different from the current one). */
function validEvent(type: TicketEventType): TicketEvent {
  switch (type) {
    case 'ASSIGN':
      return { type, technicianId: 'tech-2' };
    case 'QC_FAIL':
      return { type, reason: 'dead pixel' };
    case 'RELEASE':
      return { type, reason: 'blocked by stockout' };
    case 'CANCEL':
      return { type, reason: 'customer withdrew' };
    default:
      return { type } as TicketEvent;
  }
}

/**
 * Starting context per event, chosen so that every accepted event has a
 * visible effect (e.g. METRICS_AUTO starts from MANUAL).
 */
function contextFor(type: TicketEventType): TicketContext {
  return type === 'METRICS_AUTO' ? baseContext({ metricsSource: 'MANUAL' }) : baseContext();
}

/** The context the spec says an accepted event leaves behind. */
function expectedContextAfter(type: TicketEventType, before: TicketContext): TicketContext {
  switch (type) {
    case 'ASSIGN':
      return { ...before, technicianId: 'tech-2' };
    case 'QC_FAIL':
      return { ...before, reworkCount: before.reworkCount + 1 };
    case 'PART_SPEC_ADD':
      return { ...before, activeSpecCount: before.activeSpecCount + 1 };
    case 'PART_SPEC_DEACTIVATE':
      return { ...before, activeSpecCount: before.activeSpecCount - 1 };
    case 'METRICS_OVERRIDE':
      return { ...before, metricsSource: 'MANUAL' };
    case 'METRICS_AUTO':
      return { ...before, metricsSource: 'AUTO' };
    default:
      return before;
  }
}

function expectAccepted(snapshot: TicketSnapshot, event: TicketEvent, target: TicketStatus): TicketSnapshot {
  expect(snapshot.can(event), `can(${event.type}) from ${String(snapshot.value)}`).to.equal(true);
  const [next] = transition(ticketMachine, snapshot, event);
  expect(next.value, `${event.type} from ${String(snapshot.value)}`).to.equal(target);
  return next;
}

function expectRefused(snapshot: TicketSnapshot, event: TicketEvent): void {
  const before = { value: snapshot.value, context: { ...snapshot.context } };
  expect(snapshot.can(event), `can(${event.type}) from ${String(snapshot.value)}`).to.equal(false);
  const [next] = transition(ticketMachine, snapshot, event);
  expect(next.value, `${event.type} from ${String(before.value)} must not move`).to.equal(before.value);
  expect(next.context, `${event.type} from ${String(before.value)} must not change context`).to.deep.equal(before.context);
}

describe('ticket statechart (machines/ticket.machine.ts)', () => {
  describe('expected table covers the whole status × event grid', () => {
    it('has 7 statuses × 11 event types and only known targets', () => {
      expect(STATUSES).to.have.length(7);
      expect(EVENT_TYPES).to.have.length(11);
      for (const status of STATUSES) {
        for (const target of Object.values(EXPECTED[status])) expect(STATUSES).to.include(target);
      }
    });

    it('resolves DONE and CANCELLED as final (snapshot status "done") and the others as active', () => {
      for (const status of STATUSES) {
        const snapshot = resolveTicketSnapshot(status, baseContext());
        expect(snapshot.value).to.equal(status);
        expect(snapshot.status, status).to.equal(FINAL.includes(status) ? 'done' : 'active');
      }
    });
  });

  describe('every (status, event) pair', () => {
    for (const status of STATUSES) {
      for (const type of EVENT_TYPES) {
        const target = EXPECTED[status][type];
        const label = target ? `accepts ${type} from ${status} → ${target}` : `refuses ${type} from ${status}`;
        it(label, () => {
          const context = contextFor(type);
          const snapshot = resolveTicketSnapshot(status, context);
          const event = validEvent(type);
          if (target) {
            const next = expectAccepted(snapshot, event, target);
            expect(next.context).to.deep.equal(expectedContextAfter(type, context));
            expect(next.status).to.equal(FINAL.includes(target) ? 'done' : 'active');
          } else {
            expectRefused(snapshot, event);
          }
        });
      }
    }
  });

  describe('allowedTicketEvents', () => {
    for (const status of STATUSES) {
      it(`lists exactly the table's events for ${status}`, () => {
        const expected = Object.keys(EXPECTED[status]);
        const allowed = allowedTicketEvents(resolveTicketSnapshot(status, baseContext()));
        expect(allowed).to.have.members(expected);
        expect(allowed).to.have.length(expected.length);
      });
    }

    it('drops SUBMIT_QC and PART_SPEC_DEACTIVATE when there are no active specs and metrics are AUTO', () => {
      const allowed = allowedTicketEvents(
        resolveTicketSnapshot('IN_PROGRESS', baseContext({ activeSpecCount: 0, metricsSource: 'AUTO' })),
      );
      expect(allowed).to.have.members(['RELEASE', 'PART_SPEC_ADD', 'METRICS_OVERRIDE', 'METRICS_AUTO']);
    });

    it('keeps SUBMIT_QC with 0 specs when metrics are MANUAL', () => {
      const allowed = allowedTicketEvents(
        resolveTicketSnapshot('IN_PROGRESS', baseContext({ activeSpecCount: 0, metricsSource: 'MANUAL' })),
      );
      expect(allowed).to.include('SUBMIT_QC');
      expect(allowed).to.not.include('PART_SPEC_DEACTIVATE');
    });

    it('drops START from ASSIGNED and REWORK when nobody is assigned', () => {
      for (const status of ['ASSIGNED', 'REWORK'] as const) {
        const allowed = allowedTicketEvents(resolveTicketSnapshot(status, baseContext({ technicianId: null })));
        expect(allowed, status).to.not.include('START');
        expect(allowed, status).to.include('ASSIGN');
      }
    });

    it('is empty for the final statuses whatever the context', () => {
      for (const status of FINAL) {
        expect(allowedTicketEvents(resolveTicketSnapshot(status, baseContext({ metricsSource: 'MANUAL' })))).to.deep.equal([]);
      }
    });
  });

  describe('guards', () => {
    it('SUBMIT_QC is refused with 0 active specs and AUTO metrics', () => {
      expectRefused(
        resolveTicketSnapshot('IN_PROGRESS', baseContext({ activeSpecCount: 0, metricsSource: 'AUTO' })),
        { type: 'SUBMIT_QC' },
      );
    });

    it('SUBMIT_QC is accepted with ≥ 1 active spec (AUTO) or with MANUAL metrics (0 specs)', () => {
      for (const activeSpecCount of [1, 2, 5]) {
        expectAccepted(
          resolveTicketSnapshot('IN_PROGRESS', baseContext({ activeSpecCount, metricsSource: 'AUTO' })),
          { type: 'SUBMIT_QC' },
          'WAITING_QC',
        );
      }
      expectAccepted(
        resolveTicketSnapshot('IN_PROGRESS', baseContext({ activeSpecCount: 0, metricsSource: 'MANUAL' })),
        { type: 'SUBMIT_QC' },
        'WAITING_QC',
      );
    });

    for (const [status, type, target] of [
      ['WAITING_QC', 'QC_FAIL', 'REWORK'],
      ['IN_PROGRESS', 'RELEASE', 'ASSIGNED'],
      ['UNDER_REVIEW', 'CANCEL', 'CANCELLED'],
      ['ASSIGNED', 'CANCEL', 'CANCELLED'],
      ['REWORK', 'CANCEL', 'CANCELLED'],
    ] as const) {
      it(`${type} from ${status} is refused with a blank or missing reason and accepted with a real one`, () => {
        const snapshot = resolveTicketSnapshot(status, baseContext());
        expectRefused(snapshot, { type, reason: '' });
        expectRefused(snapshot, { type, reason: '   ' });
        expectRefused(snapshot, { type, reason: '\t\n' });
        expectRefused(snapshot, { type } as unknown as TicketEvent);
        expectAccepted(snapshot, { type, reason: ' ok ' }, target);
      });
    }

    for (const status of ['UNDER_REVIEW', 'ASSIGNED', 'REWORK'] as const) {
      it(`ASSIGN from ${status} is refused with an empty or blank technicianId`, () => {
        const snapshot = resolveTicketSnapshot(status, baseContext({ technicianId: status === 'UNDER_REVIEW' ? null : 'tech-1' }));
        expectRefused(snapshot, { type: 'ASSIGN', technicianId: '' });
        expectRefused(snapshot, { type: 'ASSIGN', technicianId: '   ' });
      });
    }

    it('ASSIGN from UNDER_REVIEW sets the technician on an unassigned ticket', () => {
      const next = expectAccepted(
        resolveTicketSnapshot('UNDER_REVIEW', baseContext({ technicianId: null })),
        { type: 'ASSIGN', technicianId: 'tech-9' },
        'ASSIGNED',
      );
      expect(next.context.technicianId).to.equal('tech-9');
    });

    it('ASSIGN from ASSIGNED re-assigns before work starts', () => {
      const next = expectAccepted(
        resolveTicketSnapshot('ASSIGNED', baseContext({ technicianId: 'tech-1' })),
        { type: 'ASSIGN', technicianId: 'tech-3' },
        'ASSIGNED',
      );
      expect(next.context.technicianId).to.equal('tech-3');
    });

    it('ASSIGN from REWORK stays in REWORK and changes technicianId (reworkCount untouched)', () => {
      const next = expectAccepted(
        resolveTicketSnapshot('REWORK', baseContext({ technicianId: 'tech-1', reworkCount: 2 })),
        { type: 'ASSIGN', technicianId: 'tech-4' },
        'REWORK',
      );
      expect(next.context).to.deep.equal(baseContext({ technicianId: 'tech-4', reworkCount: 2 }));
    });

    it('START is refused from ASSIGNED and REWORK when no technician is assigned', () => {
      for (const status of ['ASSIGNED', 'REWORK'] as const) {
        expectRefused(resolveTicketSnapshot(status, baseContext({ technicianId: null })), { type: 'START' });
      }
    });

    it('QC_FAIL increments reworkCount by exactly one each time', () => {
      let snapshot = resolveTicketSnapshot('WAITING_QC', baseContext({ reworkCount: 0 }));
      for (let round = 1; round <= 3; round++) {
        snapshot = expectAccepted(snapshot, { type: 'QC_FAIL', reason: `round ${round}` }, 'REWORK');
        expect(snapshot.context.reworkCount).to.equal(round);
        snapshot = expectAccepted(snapshot, { type: 'START' }, 'IN_PROGRESS');
        snapshot = expectAccepted(snapshot, { type: 'SUBMIT_QC' }, 'WAITING_QC');
        expect(snapshot.context.reworkCount).to.equal(round);
      }
      snapshot = expectAccepted(snapshot, { type: 'QC_PASS' }, 'DONE');
      expect(snapshot.context.reworkCount).to.equal(3);
      expect(snapshot.status).to.equal('done');
    });

    it('PART_SPEC_DEACTIVATE is refused at 0 active specs in every active status', () => {
      for (const status of STATUSES.filter((s) => !FINAL.includes(s))) {
        expectRefused(resolveTicketSnapshot(status, baseContext({ activeSpecCount: 0 })), { type: 'PART_SPEC_DEACTIVATE' });
      }
    });

    it('PART_SPEC_ADD then PART_SPEC_DEACTIVATE track the active spec count', () => {
      let snapshot = resolveTicketSnapshot('UNDER_REVIEW', baseContext({ technicianId: null, activeSpecCount: 0 }));
      snapshot = expectAccepted(snapshot, { type: 'PART_SPEC_ADD' }, 'UNDER_REVIEW');
      snapshot = expectAccepted(snapshot, { type: 'PART_SPEC_ADD' }, 'UNDER_REVIEW');
      expect(snapshot.context.activeSpecCount).to.equal(2);
      snapshot = expectAccepted(snapshot, { type: 'PART_SPEC_DEACTIVATE' }, 'UNDER_REVIEW');
      snapshot = expectAccepted(snapshot, { type: 'PART_SPEC_DEACTIVATE' }, 'UNDER_REVIEW');
      expect(snapshot.context.activeSpecCount).to.equal(0);
      expectRefused(snapshot, { type: 'PART_SPEC_DEACTIVATE' });
    });

    it('METRICS_OVERRIDE lets a ticket with no specs reach QC; METRICS_AUTO takes that back', () => {
      let snapshot = resolveTicketSnapshot('IN_PROGRESS', baseContext({ activeSpecCount: 0 }));
      expectRefused(snapshot, { type: 'SUBMIT_QC' });
      snapshot = expectAccepted(snapshot, { type: 'METRICS_OVERRIDE' }, 'IN_PROGRESS');
      expect(snapshot.context.metricsSource).to.equal('MANUAL');
      expect(snapshot.can({ type: 'SUBMIT_QC' })).to.equal(true);
      snapshot = expectAccepted(snapshot, { type: 'METRICS_AUTO' }, 'IN_PROGRESS');
      expect(snapshot.context.metricsSource).to.equal('AUTO');
      expectRefused(snapshot, { type: 'SUBMIT_QC' });
    });

    it('final statuses refuse every event even with a context that satisfies all guards', () => {
      for (const status of FINAL) {
        for (const metricsSource of ['AUTO', 'MANUAL'] as const) {
          const snapshot = resolveTicketSnapshot(status, baseContext({ metricsSource, activeSpecCount: 3 }));
          for (const type of EVENT_TYPES) expectRefused(snapshot, validEvent(type));
        }
      }
    });
  });

  describe('walk every path', () => {
    // Lifecycle events only, valid payloads, a ticket with one active spec and no technician yet.
    const start = () => resolveTicketSnapshot('UNDER_REVIEW', baseContext({ technicianId: null, activeSpecCount: 1 }));

    function lifecycleSuccessors(snapshot: TicketSnapshot): Array<{ event: TicketEventType; next: TicketSnapshot }> {
      const out: Array<{ event: TicketEventType; next: TicketSnapshot }> = [];
      for (const type of LIFECYCLE) {
        const event = validEvent(type);
        if (!snapshot.can(event)) continue;
        const [next] = transition(ticketMachine, snapshot, event);
        out.push({ event: type, next });
      }
      return out;
    }

    it('breadth-first from UNDER_REVIEW reaches all 7 statuses, in lifecycle order of discovery', () => {
      const seen = new Set<string>([String(start().value)]);
      const order: string[] = [String(start().value)];
      const queue: TicketSnapshot[] = [start()];
      const edges = new Set<string>();
      while (queue.length > 0) {
        const current = queue.shift()!;
        for (const { event, next } of lifecycleSuccessors(current)) {
          const to = String(next.value);
          edges.add(`${String(current.value)} -${event}-> ${to}`);
          if (!seen.has(to)) {
            seen.add(to);
            order.push(to);
            queue.push(next);
          }
        }
      }
      expect([...seen]).to.have.members([...STATUSES]);
      expect(order).to.deep.equal(['UNDER_REVIEW', 'ASSIGNED', 'CANCELLED', 'IN_PROGRESS', 'WAITING_QC', 'DONE', 'REWORK']);
      // Every lifecycle edge of the spec table, and nothing more.
      const expectedEdges = new Set<string>();
      for (const status of STATUSES) {
        for (const type of LIFECYCLE) {
          const target = EXPECTED[status][type];
          if (target) expectedEdges.add(`${status} -${type}-> ${target}`);
        }
      }
      expect([...edges].sort()).to.deep.equal([...expectedEdges].sort());
    });

    it('every simple path ends in DONE or CANCELLED or revisits a status (no other dead ends)', () => {
      const finished: string[][] = [];
      const looping: string[][] = [];
      const deadEnds: string[][] = [];

      const visit = (snapshot: TicketSnapshot, path: string[]): void => {
        const status = String(snapshot.value);
        const successors = lifecycleSuccessors(snapshot);
        if (successors.length === 0) {
          if (FINAL.includes(status as TicketStatus)) {
            expect(snapshot.status, path.join(' → ')).to.equal('done');
            finished.push(path);
          } else {
            deadEnds.push(path);
          }
          return;
        }
        expect(FINAL, `final ${status} must have no way out`).to.not.include(status);
        for (const { event, next } of successors) {
          const to = String(next.value);
          const extended = [...path, `${event}`, to];
          if (path.includes(to)) looping.push(extended);
          else visit(next, extended);
        }
      };
      visit(start(), [String(start().value)]);

      expect(deadEnds, `dead ends: ${deadEnds.map((p) => p.join(' → ')).join('; ')}`).to.deep.equal([]);
      // Both finals are reachable as the end of some simple path, and some path loops (rework/release).
      const ends = new Set(finished.map((p) => p[p.length - 1]));
      expect([...ends]).to.have.members(['DONE', 'CANCELLED']);
      expect(looping.length).to.be.greaterThan(0);
      // Deterministic enumeration: the happy path is among the finished ones.
      expect(finished.map((p) => p.join(' '))).to.include(
        'UNDER_REVIEW ASSIGN ASSIGNED START IN_PROGRESS SUBMIT_QC WAITING_QC QC_PASS DONE',
      );
      expect(finished.map((p) => p.join(' '))).to.include(
        'UNDER_REVIEW ASSIGN ASSIGNED START IN_PROGRESS SUBMIT_QC WAITING_QC QC_FAIL REWORK CANCEL CANCELLED',
      );
      // And the path count is stable run to run.
      const again: number[] = [];
      const count = (snapshot: TicketSnapshot, path: string[]): number => {
        const successors = lifecycleSuccessors(snapshot);
        if (successors.length === 0) return 1;
        let n = 0;
        for (const { next } of successors) {
          const to = String(next.value);
          n += path.includes(to) ? 1 : count(next, [...path, to]);
        }
        return n;
      };
      again.push(count(start(), ['UNDER_REVIEW']), count(start(), ['UNDER_REVIEW']));
      expect(again[0]).to.equal(finished.length + looping.length);
      expect(again[1]).to.equal(again[0]);
    });
  });
});

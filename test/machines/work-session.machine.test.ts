import { expect } from 'chai';
import { transition } from 'xstate';
import {
  allowedWorkSessionEvents,
  resolveWorkSessionSnapshot,
  workSessionMachine,
  type WorkSessionContext,
  type WorkSessionEvent,
  type WorkSessionEventType,
  type WorkSessionSnapshot,
  type WorkSessionState,
} from '../../machines/work-session.machine.js';
import {
  allowedStockoutEvents,
  resolveStockoutSnapshot,
  stockoutMachine,
  type StockoutStatus,
} from '../../machines/stockout.machine.js';
import { ticketStatuses } from '../../machines/ticket.machine.js';

/** Hand-written from domain.md's WorkSession table; NEW is "the session does not exist yet". */
const STATES: readonly WorkSessionState[] = ['NEW', 'RUNNING', 'PAUSED', 'STOPPED'];
const EVENT_TYPES: readonly WorkSessionEventType[] = ['START', 'PAUSE', 'RESUME', 'STOP'];
const VALID_REASONS = ['BREAK', 'STOCKOUT', 'END_OF_SHIFT', 'OTHER'] as const;

const EXPECTED: Record<WorkSessionState, Partial<Record<WorkSessionEventType, WorkSessionState>>> = {
  NEW: { START: 'RUNNING' },
  RUNNING: { PAUSE: 'PAUSED', STOP: 'STOPPED' },
  PAUSED: { RESUME: 'RUNNING', STOP: 'STOPPED' },
  STOPPED: {},
};

/** The ticket is IN_PROGRESS and assigned to the session's technician: the START guard holds. */
const goodContext = (overrides: Partial<WorkSessionContext> = {}): WorkSessionContext => ({
  ticketStatus: 'IN_PROGRESS',
  ticketTechnicianId: 'tech-1',
  technicianId: 'tech-1',
  ...overrides,
});

function validEvent(type: WorkSessionEventType): WorkSessionEvent {
  return type === 'PAUSE' ? { type, reason: 'BREAK' } : ({ type } as WorkSessionEvent);
}

function expectAccepted(snapshot: WorkSessionSnapshot, event: WorkSessionEvent, target: WorkSessionState): WorkSessionSnapshot {
  expect(snapshot.can(event), `can(${JSON.stringify(event)}) from ${String(snapshot.value)}`).to.equal(true);
  const [next] = transition(workSessionMachine, snapshot, event);
  expect(next.value, `${event.type} from ${String(snapshot.value)}`).to.equal(target);
  expect(next.context, 'the session context is facts about the ticket; events do not change it').to.deep.equal(snapshot.context);
  return next;
}

function expectRefused(snapshot: WorkSessionSnapshot, event: WorkSessionEvent): void {
  const value = snapshot.value;
  const context = { ...snapshot.context };
  expect(snapshot.can(event), `can(${JSON.stringify(event)}) from ${String(value)}`).to.equal(false);
  const [next] = transition(workSessionMachine, snapshot, event);
  expect(next.value, `${event.type} from ${String(value)} must not move`).to.equal(value);
  expect(next.context).to.deep.equal(context);
}

describe('work-session statechart (machines/work-session.machine.ts)', () => {
  it('resolves STOPPED as final and the other states as active', () => {
    for (const state of STATES) {
      const snapshot = resolveWorkSessionSnapshot(state, goodContext());
      expect(snapshot.value).to.equal(state);
      expect(snapshot.status, state).to.equal(state === 'STOPPED' ? 'done' : 'active');
    }
  });

  describe('every (state, event) pair', () => {
    for (const state of STATES) {
      for (const type of EVENT_TYPES) {
        const target = EXPECTED[state][type];
        it(target ? `accepts ${type} from ${state} → ${target}` : `refuses ${type} from ${state}`, () => {
          const snapshot = resolveWorkSessionSnapshot(state, goodContext());
          const event = validEvent(type);
          if (target) {
            const next = expectAccepted(snapshot, event, target);
            expect(next.status).to.equal(target === 'STOPPED' ? 'done' : 'active');
          } else {
            expectRefused(snapshot, event);
          }
        });
      }
    }
  });

  describe('allowedWorkSessionEvents', () => {
    for (const state of STATES) {
      it(`lists exactly the table's events for ${state}`, () => {
        const allowed = allowedWorkSessionEvents(resolveWorkSessionSnapshot(state, goodContext()));
        expect(allowed).to.have.members(Object.keys(EXPECTED[state]));
        expect(allowed).to.have.length(Object.keys(EXPECTED[state]).length);
      });
    }

    it('drops START from NEW when the guard fails', () => {
      expect(allowedWorkSessionEvents(resolveWorkSessionSnapshot('NEW', goodContext({ ticketStatus: 'ASSIGNED' })))).to.deep.equal([]);
      expect(allowedWorkSessionEvents(resolveWorkSessionSnapshot('NEW', goodContext({ technicianId: 'tech-2' })))).to.deep.equal([]);
    });
  });

  describe('START guard: ticket IN_PROGRESS and assigned to this technician', () => {
    for (const ticketStatus of ticketStatuses) {
      for (const [label, ticketTechnicianId, technicianId] of [
        ['own ticket', 'tech-1', 'tech-1'],
        ["someone else's ticket", 'tech-2', 'tech-1'],
        ['unassigned ticket', null, 'tech-1'],
      ] as const) {
        const ok = ticketStatus === 'IN_PROGRESS' && label === 'own ticket';
        it(`${ok ? 'accepts' : 'refuses'} START for a ${ticketStatus} ticket (${label})`, () => {
          const snapshot = resolveWorkSessionSnapshot('NEW', { ticketStatus, ticketTechnicianId, technicianId });
          if (ok) expectAccepted(snapshot, { type: 'START' }, 'RUNNING');
          else expectRefused(snapshot, { type: 'START' });
        });
      }
    }

    it('compares technician ids exactly (no case folding, no trimming)', () => {
      expectRefused(resolveWorkSessionSnapshot('NEW', goodContext({ ticketTechnicianId: 'TECH-1' })), { type: 'START' });
      expectRefused(resolveWorkSessionSnapshot('NEW', goodContext({ ticketTechnicianId: 'tech-1 ' })), { type: 'START' });
    });

    it('refuses an unknown ticket status string', () => {
      expectRefused(resolveWorkSessionSnapshot('NEW', goodContext({ ticketStatus: 'in_progress' })), { type: 'START' });
    });
  });

  describe('PAUSE reason', () => {
    for (const reason of VALID_REASONS) {
      it(`accepts PAUSE with reason ${reason}`, () => {
        expectAccepted(resolveWorkSessionSnapshot('RUNNING', goodContext()), { type: 'PAUSE', reason }, 'PAUSED');
      });
    }

    for (const reason of ['', '   ', 'LUNCH', 'break', 'STOCKOUT ', 'null']) {
      it(`refuses PAUSE with invalid reason ${JSON.stringify(reason)}`, () => {
        expectRefused(resolveWorkSessionSnapshot('RUNNING', goodContext()), {
          type: 'PAUSE',
          reason,
        } as unknown as WorkSessionEvent);
      });
    }

    it('refuses PAUSE with no reason at all', () => {
      expectRefused(resolveWorkSessionSnapshot('RUNNING', goodContext()), { type: 'PAUSE' } as unknown as WorkSessionEvent);
    });

    it('refuses PAUSE from PAUSED even with a valid reason', () => {
      expectRefused(resolveWorkSessionSnapshot('PAUSED', goodContext()), { type: 'PAUSE', reason: 'OTHER' });
    });
  });

  describe('walk every path', () => {
    const successors = (snapshot: WorkSessionSnapshot) =>
      EVENT_TYPES.map((type) => validEvent(type))
        .filter((event) => snapshot.can(event))
        .map((event) => ({ event: event.type, next: transition(workSessionMachine, snapshot, event)[0] }));

    it('reaches all four states from NEW and has no dead end other than STOPPED', () => {
      const seen = new Set<string>(['NEW']);
      const queue = [resolveWorkSessionSnapshot('NEW', goodContext())];
      const edges: string[] = [];
      while (queue.length > 0) {
        const current = queue.shift()!;
        const next = successors(current);
        if (next.length === 0) expect(current.value, 'only STOPPED may be a dead end').to.equal('STOPPED');
        for (const { event, next: to } of next) {
          edges.push(`${String(current.value)} -${event}-> ${String(to.value)}`);
          if (!seen.has(String(to.value))) {
            seen.add(String(to.value));
            queue.push(to);
          }
        }
      }
      expect([...seen]).to.have.members([...STATES]);
      expect(edges.sort()).to.deep.equal(
        [
          'NEW -START-> RUNNING',
          'RUNNING -PAUSE-> PAUSED',
          'RUNNING -STOP-> STOPPED',
          'PAUSED -RESUME-> RUNNING',
          'PAUSED -STOP-> STOPPED',
        ].sort(),
      );
    });

    it('supports many pause/resume cycles before STOP', () => {
      let snapshot = expectAccepted(resolveWorkSessionSnapshot('NEW', goodContext()), { type: 'START' }, 'RUNNING');
      for (const reason of VALID_REASONS) {
        snapshot = expectAccepted(snapshot, { type: 'PAUSE', reason }, 'PAUSED');
        snapshot = expectAccepted(snapshot, { type: 'RESUME' }, 'RUNNING');
      }
      snapshot = expectAccepted(snapshot, { type: 'STOP' }, 'STOPPED');
      for (const type of EVENT_TYPES) expectRefused(snapshot, validEvent(type));
    });
  });
});

describe('stockout statechart (machines/stockout.machine.ts)', () => {
  it('OPEN accepts RESOLVE and becomes RESOLVED (final)', () => {
    const open = resolveStockoutSnapshot('OPEN');
    expect(open.status).to.equal('active');
    expect(open.can({ type: 'RESOLVE' })).to.equal(true);
    const [next] = transition(stockoutMachine, open, { type: 'RESOLVE' });
    expect(next.value).to.equal('RESOLVED');
    expect(next.status).to.equal('done');
  });

  it('RESOLVED refuses RESOLVE and stays RESOLVED', () => {
    const resolved = resolveStockoutSnapshot('RESOLVED');
    expect(resolved.status).to.equal('done');
    expect(resolved.can({ type: 'RESOLVE' })).to.equal(false);
    const [next] = transition(stockoutMachine, resolved, { type: 'RESOLVE' });
    expect(next.value).to.equal('RESOLVED');
  });

  it('allowedStockoutEvents lists RESOLVE only while OPEN', () => {
    const expected: Record<StockoutStatus, string[]> = { OPEN: ['RESOLVE'], RESOLVED: [] };
    for (const status of ['OPEN', 'RESOLVED'] as const) {
      expect(allowedStockoutEvents(resolveStockoutSnapshot(status)), status).to.deep.equal(expected[status]);
    }
  });

  it('a resolved incident cannot be resolved twice in a row', () => {
    const [once] = transition(stockoutMachine, resolveStockoutSnapshot('OPEN'), { type: 'RESOLVE' });
    expect(once.can({ type: 'RESOLVE' })).to.equal(false);
    expect(allowedStockoutEvents(once)).to.deep.equal([]);
  });
});

import { expect } from 'chai';
import type { ClientCommandEvent } from '../../src/realtime/events.js';
import { buildPart, buildTicket, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import {
  buildWorld,
  COMMAND_EVENTS,
  commandId,
  expectAckError,
  expectAckOk,
  observeState,
  SocketPool,
  type World,
} from '../support/realtime.js';

/**
 * Who may send which socket command (api.md REST roles, issue: "a technician never acts on
 * another's ticket or session; a wallboard never commands"). TECHNICIAN is the assignee / session
 * owner of the fixture; OTHER_TECHNICIAN a technician acting on it.
 */
type ActorName = 'ADMIN' | 'SUPERVISOR' | 'TECHNICIAN' | 'OTHER_TECHNICIAN' | 'WALLBOARD';
const ACTORS: readonly ActorName[] = ['ADMIN', 'SUPERVISOR', 'TECHNICIAN', 'OTHER_TECHNICIAN', 'WALLBOARD'];
const SUPERVISORS: ActorName[] = ['ADMIN', 'SUPERVISOR'];
const OWNER_OR_SUPERVISORS: ActorName[] = ['ADMIN', 'SUPERVISOR', 'TECHNICIAN'];
const WORKERS: ActorName[] = ['ADMIN', 'SUPERVISOR', 'TECHNICIAN', 'OTHER_TECHNICIAN'];

interface Fixture {
  owner: TestUser;
  payload: Record<string, unknown>;
  ticketId?: string;
  partId?: string;
}

interface MatrixCase {
  event: ClientCommandEvent;
  title?: string;
  allowed: ActorName[];
  setup(): Promise<Fixture>;
  check(data: any, f: Fixture): void;
}

describe('realtime authorisation matrix: every command × technician / other technician / supervisor / admin / wallboard', () => {
  const t = useProduct();
  const sockets = new SocketPool();
  let w: World;
  let otherTechnician: TestUser;

  before(async () => {
    w = await buildWorld(t.current);
    otherTechnician = await w.technician();
  });
  afterEach(() => sockets.closeAll());

  const userOf = (name: ActorName, f: Fixture): TestUser =>
    ({ ADMIN: w.admin, SUPERVISOR: w.supervisor, TECHNICIAN: f.owner, OTHER_TECHNICIAN: otherTechnician, WALLBOARD: w.wallboard })[name];

  async function ticketOf(status: Parameters<World['ticketIn']>[0]) {
    const owner = await w.technician();
    return { owner, ticket: await w.ticketIn(status, owner) };
  }

  const cases: MatrixCase[] = [
    {
      event: 'ticket:start',
      allowed: OWNER_OR_SUPERVISORS,
      setup: async () => {
        const { owner, ticket } = await ticketOf('ASSIGNED');
        return { owner, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      // Started on behalf of the assignee: the session is theirs whoever sent it.
      check: (data, f) => expect(data.openSession).to.include({ status: 'RUNNING', technicianId: f.owner.id }),
    },
    {
      event: 'ticket:submitQc',
      allowed: OWNER_OR_SUPERVISORS,
      setup: async () => {
        const { owner, ticket } = await ticketOf('IN_PROGRESS');
        return { owner, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      check: (data) => expect(data.status).to.equal('WAITING_QC'),
    },
    {
      event: 'ticket:release',
      allowed: OWNER_OR_SUPERVISORS,
      setup: async () => {
        const { owner, ticket } = await ticketOf('IN_PROGRESS');
        return { owner, payload: { ticketId: ticket.id, reason: 'no part' }, ticketId: ticket.id };
      },
      check: (data) => expect(data.status).to.equal('ASSIGNED'),
    },
    {
      event: 'ticket:assign',
      allowed: SUPERVISORS,
      setup: async () => {
        const owner = await w.technician();
        const ticket = await buildTicket(w.supervisor);
        return { owner, payload: { ticketId: ticket.id, technicianId: owner.id }, ticketId: ticket.id };
      },
      check: (data, f) => expect(data).to.include({ status: 'ASSIGNED', technicianId: f.owner.id }),
    },
    {
      event: 'ticket:qcPass',
      allowed: SUPERVISORS,
      setup: async () => {
        const { owner, ticket } = await ticketOf('WAITING_QC');
        return { owner, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      check: (data) => expect(data.status).to.equal('DONE'),
    },
    {
      event: 'ticket:qcFail',
      allowed: SUPERVISORS,
      setup: async () => {
        const { owner, ticket } = await ticketOf('WAITING_QC');
        return { owner, payload: { ticketId: ticket.id, reason: 'scratches' }, ticketId: ticket.id };
      },
      check: (data) => expect(data.status).to.equal('REWORK'),
    },
    {
      event: 'ticket:cancel',
      allowed: SUPERVISORS,
      setup: async () => {
        const { owner, ticket } = await ticketOf('ASSIGNED');
        return { owner, payload: { ticketId: ticket.id, reason: 'withdrawn' }, ticketId: ticket.id };
      },
      check: (data) => expect(data.status).to.equal('CANCELLED'),
    },
    {
      event: 'session:start',
      allowed: OWNER_OR_SUPERVISORS,
      setup: async () => {
        const { owner, ticket } = await ticketOf('IN_PROGRESS');
        expect((await w.supervisor.api.post(`/work-sessions/${ticket.openSession.id}/stop`)).status).to.equal(200);
        return { owner, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      check: (data, f) => expect(data).to.include({ status: 'RUNNING', technicianId: f.owner.id }),
    },
    {
      event: 'session:pause',
      allowed: OWNER_OR_SUPERVISORS,
      setup: async () => {
        const { owner, ticket } = await ticketOf('IN_PROGRESS');
        return { owner, payload: { sessionId: ticket.openSession.id, reason: 'BREAK' }, ticketId: ticket.id };
      },
      check: (data) => expect(data.status).to.equal('PAUSED'),
    },
    {
      event: 'session:resume',
      allowed: OWNER_OR_SUPERVISORS,
      setup: async () => {
        const { owner, ticket } = await ticketOf('IN_PROGRESS');
        expect((await owner.api.post(`/work-sessions/${ticket.openSession.id}/pause`, { reason: 'BREAK' })).status).to.equal(200);
        return { owner, payload: { sessionId: ticket.openSession.id }, ticketId: ticket.id };
      },
      check: (data) => expect(data.status).to.equal('RUNNING'),
    },
    {
      event: 'session:stop',
      allowed: OWNER_OR_SUPERVISORS,
      setup: async () => {
        const { owner, ticket } = await ticketOf('IN_PROGRESS');
        return { owner, payload: { sessionId: ticket.openSession.id }, ticketId: ticket.id };
      },
      check: (data) => expect(data.status).to.equal('STOPPED'),
    },
    {
      event: 'stockout:open',
      title: "on the owner's ticket",
      allowed: OWNER_OR_SUPERVISORS,
      setup: async () => {
        const { owner, ticket } = await ticketOf('ASSIGNED');
        const part = await buildPart(w.admin);
        return { owner, payload: { partId: part.id, ticketId: ticket.id }, ticketId: ticket.id, partId: part.id };
      },
      check: (data, f) => expect(data).to.include({ status: 'OPEN', ticketId: f.ticketId }),
    },
    {
      event: 'stockout:open',
      title: 'without a ticket',
      allowed: WORKERS,
      setup: async () => {
        const owner = await w.technician();
        const part = await buildPart(w.admin);
        return { owner, payload: { partId: part.id, note: 'shelf empty' }, partId: part.id };
      },
      check: (data, f) => expect(data).to.include({ status: 'OPEN', partId: f.partId, ticketId: null }),
    },
  ];

  it('the matrix covers every command event of the contract', () => {
    expect([...new Set(cases.map((c) => c.event))].sort()).to.deep.equal([...COMMAND_EVENTS].sort());
  });

  for (const c of cases) {
    describe(`${c.event}${c.title ? ` (${c.title})` : ''}`, () => {
      for (const name of ACTORS) {
        const allowed = c.allowed.includes(name);
        it(`${name} → ${allowed ? 'ok' : 'FORBIDDEN, nothing changes'}`, async () => {
          const f = await c.setup();
          const who = userOf(name, f);
          const s = await sockets.connect(t.current.product.url, who.token);
          const before = await observeState(w.admin, f);
          const ack = await s.command(c.event, { ...f.payload, commandId: commandId() });
          if (allowed) {
            c.check(expectAckOk(ack), f);
          } else {
            expectAckError(ack, 'FORBIDDEN');
            expect(await observeState(w.admin, f), 'a refused command changed state').to.deep.equal(before);
          }
        });
      }
    });
  }

  it('a wallboard is FORBIDDEN every command whatever the payload (no probing of ids or validation)', async () => {
    const s = await sockets.connect(t.current.product.url, w.wallboard.token);
    for (const event of COMMAND_EVENTS) {
      expectAckError(await s.command(event, { commandId: commandId() }), 'FORBIDDEN');
      expectAckError(await s.command(event, { commandId: commandId(), ticketId: 'nope', sessionId: 'nope', partId: 'nope' }), 'FORBIDDEN');
    }
  });

  it('four-eyes: a supervisor who did the work may not judge its QC; another supervisor may', async () => {
    for (const event of ['ticket:qcPass', 'ticket:qcFail'] as const) {
      const { owner, ticket } = await ticketOf('WAITING_QC');
      expect((await w.admin.api.patch(`/users/${owner.id}`, { role: 'SUPERVISOR' })).status).to.equal(200);
      const worker = await sockets.connect(t.current.product.url, owner.token);
      const payload = { ticketId: ticket.id, reason: 'judging my own work' };
      const before = await observeState(w.admin, { ticketId: ticket.id });
      const err = expectAckError(await worker.command(event, { ...payload, commandId: commandId() }), 'FORBIDDEN');
      expect(err.details).to.deep.equal({ rule: 'FOUR_EYES' });
      expect(await observeState(w.admin, { ticketId: ticket.id })).to.deep.equal(before);
      const judge = await sockets.connect(t.current.product.url, w.supervisor.token);
      expectAckOk(await judge.command(event, { ...payload, commandId: commandId() }));
    }
  });
});

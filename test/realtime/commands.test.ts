import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { errorStatus, type ErrorCode } from '../../src/errors/app-error.js';
import type { ClientCommandEvent } from '../../src/realtime/events.js';
import { buildPart, buildTicket, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import {
  buildWorld,
  COMMAND_EVENTS,
  commandId,
  expectAckError,
  expectAckOk,
  nextDisconnect,
  observeState,
  restEquivalent,
  shapeOf,
  sleep,
  SocketPool,
  type World,
} from '../support/realtime.js';
import type { RecordingSocket } from '../support/socket-client.js';

/** A state in which `payload`, sent by `actor`, has a known outcome; `ticketId`/`partId` name what to observe. */
interface Fixture {
  actor: TestUser;
  payload: Record<string, any>;
  ticketId?: string;
  partId?: string;
}

interface OkCase {
  event: ClientCommandEvent;
  setup(): Promise<Fixture>;
  check(data: any, f: Fixture): void;
  /** Log entries (`EVENT:commandId`) this command writes, to count its effect. */
  effect: 'ticket' | 'session' | 'stockout';
}

interface RefusalCase {
  event: ClientCommandEvent;
  name: string;
  code: ErrorCode;
  setup(): Promise<Fixture>;
  details?(details: any, f: Fixture): void;
  /** Compare with the same request over REST (false: the input has no REST spelling, e.g. a missing path id). */
  rest?: boolean;
}

const SUCCESS_STATUS: Record<ClientCommandEvent, number> = {
  'ticket:start': 200,
  'ticket:submitQc': 200,
  'ticket:release': 200,
  'ticket:assign': 200,
  'ticket:qcPass': 200,
  'ticket:qcFail': 200,
  'ticket:cancel': 200,
  'session:start': 201,
  'session:pause': 200,
  'session:resume': 200,
  'session:stop': 200,
  'stockout:open': 201,
};

const issuePaths = (details: any): string[] => (details.issues ?? []).map((i: any) => i.path);

describe('realtime commands: acks with the REST outcome (api.md "Realtime" commands)', () => {
  const t = useProduct();
  const sockets = new SocketPool();
  let w: World;
  const open = new Map<string, Promise<RecordingSocket>>();

  before(async () => {
    w = await buildWorld(t.current);
  });
  afterEach(() => {
    open.clear();
    sockets.closeAll();
  });

  /** This test's socket for a user (one per user). */
  function socketOf(user: TestUser): Promise<RecordingSocket> {
    let s = open.get(user.id);
    if (!s) {
      s = sockets.connect(t.current.product.url, user.token);
      open.set(user.id, s);
    }
    return s;
  }
  const send = async (user: TestUser, event: ClientCommandEvent, payload: unknown) => (await socketOf(user)).command(event, payload);
  const observe = (f: { ticketId?: string; partId?: string }) => observeState(w.admin, f);

  async function techTicket(status: Parameters<World['ticketIn']>[0]) {
    const tech = await w.technician();
    const ticket = await w.ticketIn(status, tech);
    return { tech, ticket };
  }
  /** A ticket in progress whose session was stopped (a new session may start). */
  async function inProgressWithoutSession() {
    const { tech, ticket } = await techTicket('IN_PROGRESS');
    const stopped = await w.supervisor.api.post(`/work-sessions/${ticket.openSession.id}/stop`);
    expect(stopped.status).to.equal(200);
    return { tech, ticket };
  }
  /** A technician promoted to SUPERVISOR after doing the work: the four-eyes rule still applies to them. */
  async function promotedWorker() {
    const { tech, ticket } = await techTicket('WAITING_QC');
    const promoted = await w.admin.api.patch(`/users/${tech.id}`, { role: 'SUPERVISOR' });
    expect(promoted.status, JSON.stringify(promoted.body)).to.equal(200);
    return { tech, ticket };
  }

  const okCases: OkCase[] = [
    {
      event: 'ticket:start',
      effect: 'ticket',
      setup: async () => {
        const { tech, ticket } = await techTicket('ASSIGNED');
        return { actor: tech, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      check: (data, f) => {
        expect(data).to.include({ id: f.ticketId, status: 'IN_PROGRESS', technicianId: f.actor.id });
        expect(data.openSession).to.include({ status: 'RUNNING', technicianId: f.actor.id, ticketId: f.ticketId });
        expect(data.transition).to.include({ event: 'START', fromStatus: 'ASSIGNED', toStatus: 'IN_PROGRESS' });
      },
    },
    {
      event: 'ticket:submitQc',
      effect: 'ticket',
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        return { actor: tech, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      check: (data) => {
        expect(data.status).to.equal('WAITING_QC');
        expect(data.stoppedSession).to.include({ status: 'STOPPED' });
        expect(data.transition).to.include({ event: 'SUBMIT_QC' });
      },
    },
    {
      event: 'ticket:release',
      effect: 'ticket',
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        return { actor: tech, payload: { ticketId: ticket.id, reason: 'waiting for a part' }, ticketId: ticket.id };
      },
      check: (data) => {
        expect(data.status).to.equal('ASSIGNED');
        expect(data.stoppedSession).to.include({ status: 'STOPPED' });
        expect(data.transition).to.include({ event: 'RELEASE', reason: 'waiting for a part' });
      },
    },
    {
      event: 'ticket:assign',
      effect: 'ticket',
      setup: async () => {
        const tech = await w.technician();
        const ticket = await buildTicket(w.supervisor);
        return { actor: w.supervisor, payload: { ticketId: ticket.id, technicianId: tech.id }, ticketId: ticket.id };
      },
      check: (data, f) => {
        expect(data).to.include({ status: 'ASSIGNED', technicianId: f.payload.technicianId });
        expect(data.transition).to.include({ event: 'ASSIGN', fromStatus: 'UNDER_REVIEW' });
      },
    },
    {
      event: 'ticket:qcPass',
      effect: 'ticket',
      setup: async () => {
        const { ticket } = await techTicket('WAITING_QC');
        return { actor: w.supervisor, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      check: (data) => {
        expect(data.status).to.equal('DONE');
        expect(data.doneAt).to.be.a('string');
      },
    },
    {
      event: 'ticket:qcFail',
      effect: 'ticket',
      setup: async () => {
        const { ticket } = await techTicket('WAITING_QC');
        return { actor: w.supervisor, payload: { ticketId: ticket.id, reason: 'scratched bezel' }, ticketId: ticket.id };
      },
      check: (data) => {
        expect(data).to.include({ status: 'REWORK', reworkCount: 1 });
        expect(data.transition).to.include({ event: 'QC_FAIL', reason: 'scratched bezel' });
      },
    },
    {
      event: 'ticket:cancel',
      effect: 'ticket',
      setup: async () => {
        const { ticket } = await techTicket('ASSIGNED');
        return { actor: w.supervisor, payload: { ticketId: ticket.id, reason: 'customer withdrew' }, ticketId: ticket.id };
      },
      check: (data) => {
        expect(data.status).to.equal('CANCELLED');
        expect(data.transition).to.include({ event: 'CANCEL', reason: 'customer withdrew' });
      },
    },
    {
      event: 'session:start',
      effect: 'session',
      setup: async () => {
        const { tech, ticket } = await inProgressWithoutSession();
        return { actor: tech, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      check: (data, f) => {
        expect(data).to.include({ status: 'RUNNING', ticketId: f.ticketId, technicianId: f.actor.id });
        expect(data.activeSeconds).to.be.a('number');
        expect(data.transition).to.include({ event: 'START', toStatus: 'RUNNING' });
      },
    },
    {
      event: 'session:pause',
      effect: 'session',
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        return { actor: tech, payload: { sessionId: ticket.openSession.id, reason: 'BREAK' }, ticketId: ticket.id };
      },
      check: (data) => {
        expect(data).to.include({ status: 'PAUSED', pauseReason: 'BREAK' });
        expect(data.transition).to.include({ event: 'PAUSE', reason: 'BREAK' });
      },
    },
    {
      event: 'session:resume',
      effect: 'session',
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        const paused = await tech.api.post(`/work-sessions/${ticket.openSession.id}/pause`, { reason: 'OTHER' });
        expect(paused.status).to.equal(200);
        return { actor: tech, payload: { sessionId: ticket.openSession.id }, ticketId: ticket.id };
      },
      check: (data) => {
        expect(data).to.include({ status: 'RUNNING' });
        expect(data.transition).to.include({ event: 'RESUME', fromStatus: 'PAUSED' });
      },
    },
    {
      event: 'session:stop',
      effect: 'session',
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        return { actor: tech, payload: { sessionId: ticket.openSession.id }, ticketId: ticket.id };
      },
      check: (data) => {
        expect(data.status).to.equal('STOPPED');
        expect(data.endedAt).to.be.a('string');
      },
    },
    {
      event: 'stockout:open',
      effect: 'stockout',
      setup: async () => {
        const { tech, ticket } = await techTicket('ASSIGNED');
        const part = await buildPart(w.admin);
        return { actor: tech, payload: { partId: part.id, ticketId: ticket.id, note: 'bin empty' }, ticketId: ticket.id, partId: part.id };
      },
      check: (data, f) => {
        expect(data).to.include({ status: 'OPEN', partId: f.partId, ticketId: f.ticketId, reportedBy: f.actor.id, note: 'bin empty' });
      },
    },
  ];

  const refusals: RefusalCase[] = [
    // ticket:start
    {
      event: 'ticket:start',
      name: 'ticketId is not a UUID',
      code: 'VALIDATION_FAILED',
      setup: async () => ({ actor: w.supervisor, payload: { ticketId: 'not-a-uuid' } }),
      details: (d) => expect(issuePaths(d)).to.deep.equal(['ticketId']),
    },
    {
      event: 'ticket:start',
      name: 'ticketId is missing',
      code: 'VALIDATION_FAILED',
      rest: false,
      setup: async () => ({ actor: w.supervisor, payload: {} }),
      details: (d) => expect(issuePaths(d)).to.deep.equal(['ticketId']),
    },
    {
      event: 'ticket:start',
      name: 'unknown ticket',
      code: 'NOT_FOUND',
      setup: async () => ({ actor: w.supervisor, payload: { ticketId: randomUUID() } }),
      details: (d, f) => expect(d).to.deep.equal({ id: f.payload.ticketId }),
    },
    {
      event: 'ticket:start',
      name: 'ticket UNDER_REVIEW',
      code: 'INVALID_TRANSITION',
      setup: async () => {
        const ticket = await buildTicket(w.supervisor);
        return { actor: w.supervisor, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      details: (d) => {
        expect(d).to.include({ event: 'START', status: 'UNDER_REVIEW' });
        expect(d.allowedEvents).to.be.an('array').that.includes('ASSIGN').and.not.includes('START');
      },
    },
    {
      event: 'ticket:start',
      name: 'the technician already has a ticket in progress',
      code: 'CONFLICT',
      setup: async () => {
        const { tech } = await techTicket('IN_PROGRESS');
        const second = await w.ticketIn('ASSIGNED', tech);
        return { actor: tech, payload: { ticketId: second.id }, ticketId: second.id };
      },
      details: (d) => expect(d).to.deep.equal({ invariant: 'ONE_IN_PROGRESS_TICKET_PER_TECHNICIAN' }),
    },
    {
      event: 'ticket:start',
      name: "another technician's ticket",
      code: 'FORBIDDEN',
      setup: async () => {
        const { ticket } = await techTicket('ASSIGNED');
        return { actor: await w.technician(), payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
    },
    // ticket:submitQc
    {
      event: 'ticket:submitQc',
      name: 'ticket ASSIGNED',
      code: 'INVALID_TRANSITION',
      setup: async () => {
        const { tech, ticket } = await techTicket('ASSIGNED');
        return { actor: tech, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      details: (d) => {
        expect(d).to.include({ event: 'SUBMIT_QC', status: 'ASSIGNED' });
        expect(d.allowedEvents).to.include('START').and.not.include('SUBMIT_QC');
      },
    },
    {
      event: 'ticket:submitQc',
      name: 'expectedVersion is stale',
      code: 'STALE_VERSION',
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        return { actor: tech, payload: { ticketId: ticket.id, expectedVersion: ticket.version - 1 }, ticketId: ticket.id };
      },
      details: (d, f) => expect(d).to.deep.equal({ expectedVersion: f.payload.expectedVersion, currentVersion: f.payload.expectedVersion + 1 }),
    },
    // ticket:release
    {
      event: 'ticket:release',
      name: 'reason is missing',
      code: 'VALIDATION_FAILED',
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        return { actor: tech, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      details: (d) => expect(issuePaths(d)).to.deep.equal(['reason']),
    },
    {
      event: 'ticket:release',
      name: 'ticket WAITING_QC',
      code: 'INVALID_TRANSITION',
      setup: async () => {
        const { tech, ticket } = await techTicket('WAITING_QC');
        return { actor: tech, payload: { ticketId: ticket.id, reason: 'x' }, ticketId: ticket.id };
      },
      details: (d) => expect(d).to.include({ event: 'RELEASE', status: 'WAITING_QC' }),
    },
    // ticket:assign
    {
      event: 'ticket:assign',
      name: 'technicianId is missing',
      code: 'VALIDATION_FAILED',
      setup: async () => {
        const ticket = await buildTicket(w.supervisor);
        return { actor: w.supervisor, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      details: (d) => expect(issuePaths(d)).to.deep.equal(['technicianId']),
    },
    {
      event: 'ticket:assign',
      name: 'technicianId is not a technician',
      code: 'VALIDATION_FAILED',
      setup: async () => {
        const ticket = await buildTicket(w.supervisor);
        return { actor: w.supervisor, payload: { ticketId: ticket.id, technicianId: w.wallboard.id }, ticketId: ticket.id };
      },
      details: (d) => expect(issuePaths(d)).to.deep.equal(['technicianId']),
    },
    {
      event: 'ticket:assign',
      name: 'unknown technician',
      code: 'NOT_FOUND',
      setup: async () => {
        const ticket = await buildTicket(w.supervisor);
        return { actor: w.supervisor, payload: { ticketId: ticket.id, technicianId: randomUUID() }, ticketId: ticket.id };
      },
      details: (d, f) => expect(d).to.deep.equal({ id: f.payload.technicianId }),
    },
    {
      event: 'ticket:assign',
      name: 'ticket DONE',
      code: 'INVALID_TRANSITION',
      setup: async () => {
        const { ticket } = await techTicket('DONE');
        return { actor: w.supervisor, payload: { ticketId: ticket.id, technicianId: (await w.technician()).id }, ticketId: ticket.id };
      },
      details: (d) => expect(d).to.deep.equal({ event: 'ASSIGN', status: 'DONE', allowedEvents: [] }),
    },
    {
      event: 'ticket:assign',
      name: 'sent by a technician',
      code: 'FORBIDDEN',
      setup: async () => {
        const { tech, ticket } = await techTicket('ASSIGNED');
        return { actor: tech, payload: { ticketId: ticket.id, technicianId: tech.id }, ticketId: ticket.id };
      },
    },
    // ticket:qcPass
    {
      event: 'ticket:qcPass',
      name: 'ticket IN_PROGRESS',
      code: 'INVALID_TRANSITION',
      setup: async () => {
        const { ticket } = await techTicket('IN_PROGRESS');
        return { actor: w.supervisor, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      details: (d) => {
        expect(d).to.include({ event: 'QC_PASS', status: 'IN_PROGRESS' });
        expect(d.allowedEvents).to.include('SUBMIT_QC');
      },
    },
    {
      event: 'ticket:qcPass',
      name: 'four-eyes: the supervisor did the work',
      code: 'FORBIDDEN',
      setup: async () => {
        const { tech, ticket } = await promotedWorker();
        return { actor: tech, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      details: (d) => expect(d).to.deep.equal({ rule: 'FOUR_EYES' }),
    },
    // ticket:qcFail
    {
      event: 'ticket:qcFail',
      name: 'reason is blank',
      code: 'VALIDATION_FAILED',
      setup: async () => {
        const { ticket } = await techTicket('WAITING_QC');
        return { actor: w.supervisor, payload: { ticketId: ticket.id, reason: '   ' }, ticketId: ticket.id };
      },
      details: (d) => expect(issuePaths(d)).to.deep.equal(['reason']),
    },
    {
      event: 'ticket:qcFail',
      name: 'four-eyes: the supervisor did the work',
      code: 'FORBIDDEN',
      setup: async () => {
        const { tech, ticket } = await promotedWorker();
        return { actor: tech, payload: { ticketId: ticket.id, reason: 'not mine to judge' }, ticketId: ticket.id };
      },
      details: (d) => expect(d).to.deep.equal({ rule: 'FOUR_EYES' }),
    },
    // ticket:cancel
    {
      event: 'ticket:cancel',
      name: 'ticket IN_PROGRESS',
      code: 'INVALID_TRANSITION',
      setup: async () => {
        const { ticket } = await techTicket('IN_PROGRESS');
        return { actor: w.supervisor, payload: { ticketId: ticket.id, reason: 'x' }, ticketId: ticket.id };
      },
      details: (d) => {
        expect(d).to.include({ event: 'CANCEL', status: 'IN_PROGRESS' });
        expect(d.allowedEvents).to.include('RELEASE').and.not.include('CANCEL');
      },
    },
    {
      event: 'ticket:cancel',
      name: 'unknown ticket',
      code: 'NOT_FOUND',
      setup: async () => ({ actor: w.supervisor, payload: { ticketId: randomUUID(), reason: 'x' } }),
      details: (d, f) => expect(d).to.deep.equal({ id: f.payload.ticketId }),
    },
    // session:start
    {
      event: 'session:start',
      name: 'the ticket already has an open session',
      code: 'CONFLICT',
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        return { actor: tech, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      details: (d) => expect(d).to.deep.equal({ invariant: 'ONE_OPEN_SESSION_PER_TICKET' }),
    },
    {
      event: 'session:start',
      name: 'ticket ASSIGNED (not in progress)',
      code: 'INVALID_TRANSITION',
      setup: async () => {
        const { tech, ticket } = await techTicket('ASSIGNED');
        return { actor: tech, payload: { ticketId: ticket.id }, ticketId: ticket.id };
      },
      details: (d) => {
        expect(d).to.include({ status: 'ASSIGNED' });
        expect(d.allowedEvents).to.deep.equal([]);
      },
    },
    {
      event: 'session:start',
      name: 'ticketId is missing',
      code: 'VALIDATION_FAILED',
      setup: async () => ({ actor: w.supervisor, payload: {} }),
      details: (d) => expect(issuePaths(d)).to.deep.equal(['ticketId']),
    },
    // session:pause
    {
      event: 'session:pause',
      name: 'reason is not a pause reason',
      code: 'VALIDATION_FAILED',
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        return { actor: tech, payload: { sessionId: ticket.openSession.id, reason: 'LUNCH' }, ticketId: ticket.id };
      },
      details: (d) => expect(issuePaths(d)).to.deep.equal(['reason']),
    },
    {
      event: 'session:pause',
      name: 'sessionId is missing',
      code: 'VALIDATION_FAILED',
      rest: false,
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        return { actor: tech, payload: { ticketId: ticket.id, reason: 'BREAK' }, ticketId: ticket.id };
      },
      details: (d) => expect(issuePaths(d)).to.deep.equal(['sessionId']),
    },
    {
      event: 'session:pause',
      name: 'session already PAUSED',
      code: 'INVALID_TRANSITION',
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        expect((await tech.api.post(`/work-sessions/${ticket.openSession.id}/pause`, { reason: 'BREAK' })).status).to.equal(200);
        return { actor: tech, payload: { sessionId: ticket.openSession.id, reason: 'OTHER' }, ticketId: ticket.id };
      },
      details: (d) => expect(d).to.deep.equal({ event: 'PAUSE', status: 'PAUSED', allowedEvents: ['RESUME', 'STOP'] }),
    },
    // session:resume
    {
      event: 'session:resume',
      name: 'session RUNNING',
      code: 'INVALID_TRANSITION',
      setup: async () => {
        const { tech, ticket } = await techTicket('IN_PROGRESS');
        return { actor: tech, payload: { sessionId: ticket.openSession.id }, ticketId: ticket.id };
      },
      details: (d) => expect(d).to.deep.equal({ event: 'RESUME', status: 'RUNNING', allowedEvents: ['PAUSE', 'STOP'] }),
    },
    {
      event: 'session:resume',
      name: 'unknown session',
      code: 'NOT_FOUND',
      setup: async () => ({ actor: w.supervisor, payload: { sessionId: randomUUID() } }),
      details: (d, f) => expect(d).to.deep.equal({ id: f.payload.sessionId }),
    },
    // session:stop
    {
      event: 'session:stop',
      name: 'session already STOPPED',
      code: 'INVALID_TRANSITION',
      setup: async () => {
        const { tech, ticket } = await inProgressWithoutSession();
        return { actor: tech, payload: { sessionId: ticket.openSession.id }, ticketId: ticket.id };
      },
      details: (d) => expect(d).to.deep.equal({ event: 'STOP', status: 'STOPPED', allowedEvents: [] }),
    },
    {
      event: 'session:stop',
      name: "another technician's session",
      code: 'FORBIDDEN',
      setup: async () => {
        const { ticket } = await techTicket('IN_PROGRESS');
        return { actor: await w.technician(), payload: { sessionId: ticket.openSession.id }, ticketId: ticket.id };
      },
    },
    // stockout:open
    {
      event: 'stockout:open',
      name: 'the part already has an open stockout',
      code: 'CONFLICT',
      setup: async () => {
        const tech = await w.technician();
        const part = await buildPart(w.admin);
        expect((await tech.api.post('/stockouts', { partId: part.id })).status).to.equal(201);
        return { actor: tech, payload: { partId: part.id, note: 'again' }, partId: part.id };
      },
      details: (d) => expect(d).to.deep.equal({ invariant: 'ONE_OPEN_STOCKOUT_PER_PART' }),
    },
    {
      event: 'stockout:open',
      name: 'unknown part',
      code: 'NOT_FOUND',
      setup: async () => ({ actor: await w.technician(), payload: { partId: randomUUID() } }),
      details: (d, f) => expect(d).to.deep.equal({ id: f.payload.partId }),
    },
    {
      event: 'stockout:open',
      name: 'partId is missing',
      code: 'VALIDATION_FAILED',
      setup: async () => ({ actor: await w.technician(), payload: { note: 'which part?' } }),
      details: (d) => expect(issuePaths(d)).to.deep.equal(['partId']),
    },
    {
      event: 'stockout:open',
      name: "on another technician's ticket",
      code: 'FORBIDDEN',
      setup: async () => {
        const { ticket } = await techTicket('ASSIGNED');
        const part = await buildPart(w.admin);
        return { actor: await w.technician(), payload: { partId: part.id, ticketId: ticket.id }, ticketId: ticket.id, partId: part.id };
      },
    },
  ];

  it('the cases cover every command event of the contract, ok and refused', () => {
    expect(okCases.map((c) => c.event).sort()).to.deep.equal([...COMMAND_EVENTS].sort());
    expect([...new Set(refusals.map((c) => c.event))].sort()).to.deep.equal([...COMMAND_EVENTS].sort());
  });

  for (const c of okCases) {
    describe(c.event, () => {
      it('ok → { ok: true, data } with the same data shape as the REST response, and the state changed', async () => {
        const f = await c.setup();
        const before = await observe(f);
        const id = commandId();
        const data = expectAckOk(await send(f.actor, c.event, { ...f.payload, commandId: id }));
        c.check(data, f);
        const after = await observe(f);
        expect(after).to.not.deep.equal(before);
        // The same command over REST on a twin fixture: same body structure, key for key.
        const twin = await c.setup();
        const res = await restEquivalent(twin.actor, c.event, twin.payload, { idempotencyKey: commandId() });
        expect(res.status, JSON.stringify(res.body)).to.equal(SUCCESS_STATUS[c.event]);
        expect(shapeOf(data)).to.deep.equal(shapeOf(res.body));
        // The command id is the idempotency key recorded with the transition.
        if (data.transition) expect(data.transition.commandId).to.equal(id);
      });

      it('resending the same commandId and payload returns the identical ack and has one effect', async () => {
        const f = await c.setup();
        const id = commandId();
        const payload = { ...f.payload, commandId: id };
        const first = await send(f.actor, c.event, payload);
        expectAckOk(first);
        const state = await observe(f);
        const again = await send(f.actor, c.event, { ...payload });
        expect(again).to.deep.equal(first);
        // Also from a new socket of the same user (a handheld that reconnected before resending).
        const other = await sockets.connect(t.current.product.url, f.actor.token);
        expect(await other.command(c.event, { ...payload })).to.deep.equal(first);
        expect(await observe(f)).to.deep.equal(state);
        const tagged = (entries: string[]) => entries.filter((e) => e.endsWith(`:${id}`));
        if (c.effect === 'ticket') expect(tagged(state.ticketTransitions as string[])).to.have.length(1);
        if (c.effect === 'session') {
          const all = (state.sessions as { transitions: string[] }[]).flatMap((s) => tagged(s.transitions));
          expect(all).to.have.length(1);
        }
        if (c.effect === 'stockout') expect(state.stockouts).to.have.length(1);
      });

      it('without commandId → VALIDATION_FAILED (details name commandId) and nothing happens; the same payload with one succeeds', async () => {
        const f = await c.setup();
        const before = await observe(f);
        const err = expectAckError(await send(f.actor, c.event, f.payload), 'VALIDATION_FAILED');
        expect(issuePaths(err.details)).to.include('commandId');
        expect(await observe(f)).to.deep.equal(before);
        expectAckOk(await send(f.actor, c.event, { ...f.payload, commandId: commandId() }));
      });
    });
  }

  for (const c of refusals) {
    describe(c.event, () => {
      it(`refused: ${c.name} → { ok: false, error } ${c.code}, as over REST, and nothing changes`, async () => {
        const f = await c.setup();
        const before = await observe(f);
        const err = expectAckError(await send(f.actor, c.event, { ...f.payload, commandId: commandId() }), c.code);
        c.details?.(err.details, f);
        expect(await observe(f), 'a refused command changed state').to.deep.equal(before);
        if (c.rest !== false) {
          const res = await restEquivalent(f.actor, c.event, f.payload);
          expect(res.status, JSON.stringify(res.body)).to.equal(errorStatus[c.code]);
          expect(res.body.error.code).to.equal(c.code);
          expect(err.details, 'socket and REST give the same details').to.deep.equal(res.body.error.details);
          expect(await observe(f)).to.deep.equal(before);
        }
      });
    });
  }

  describe('payload validation', () => {
    for (const [name, payload] of [
      ['no payload', undefined],
      ['a string', 'start it'],
      ['an array', [{ commandId: 'x' }]],
      ['null', null],
    ] as const) {
      it(`a payload that is ${name} → VALIDATION_FAILED`, async () => {
        for (const event of COMMAND_EVENTS) {
          expectAckError(await send(w.supervisor, event, payload), 'VALIDATION_FAILED');
        }
      });
    }

    for (const [name, id] of [
      ['empty', ''],
      ['a number', 42],
      ['with spaces', 'my command 1'],
      ['256 characters', 'a'.repeat(256)],
    ] as const) {
      it(`a commandId that is ${name} → VALIDATION_FAILED and nothing happens`, async () => {
        const { tech, ticket } = await techTicket('ASSIGNED');
        const before = await observe({ ticketId: ticket.id });
        const err = expectAckError(await send(tech, 'ticket:start', { commandId: id, ticketId: ticket.id }), 'VALIDATION_FAILED');
        expect(issuePaths(err.details)).to.include('commandId');
        expect(await observe({ ticketId: ticket.id })).to.deep.equal(before);
      });
    }

    it('the optional fields of the contract payloads are accepted on every event that lists them', async () => {
      // api.md: ticket:start/submitQc/release take {commandId, ticketId, reason?}; session:* take
      // {commandId, ticketId?, sessionId?, reason?}.
      const { tech, ticket } = await techTicket('ASSIGNED');
      expectAckOk(await send(tech, 'ticket:start', { commandId: commandId(), ticketId: ticket.id, reason: 'starting now' }));
      const detail = await tech.api.get(`/tickets/${ticket.id}`);
      const sessionId = detail.body.openSession.id;
      expectAckOk(await send(tech, 'session:pause', { commandId: commandId(), ticketId: ticket.id, sessionId, reason: 'BREAK' }));
      expectAckOk(await send(tech, 'session:resume', { commandId: commandId(), ticketId: ticket.id, sessionId }));
      const submitted = expectAckOk(await send(tech, 'ticket:submitQc', { commandId: commandId(), ticketId: ticket.id, reason: 'done' }));
      expect(submitted.status).to.equal('WAITING_QC');
      const passed = expectAckOk(
        await send(w.supervisor, 'ticket:qcPass', { commandId: commandId(), ticketId: ticket.id, technicianId: tech.id, reason: 'fine' }),
      );
      expect(passed.status).to.equal('DONE');
    });
  });

  describe('idempotency: commandId shares the store with Idempotency-Key', () => {
    it('the same commandId with a different payload → IDEMPOTENCY_MISMATCH, and the other ticket is untouched', async () => {
      const { tech, ticket } = await techTicket('ASSIGNED');
      const id = commandId();
      expectAckOk(await send(w.supervisor, 'ticket:cancel', { commandId: id, ticketId: ticket.id, reason: 'duplicate' }));
      const other = await w.ticketIn('ASSIGNED', tech);
      const before = await observe({ ticketId: other.id });
      const err = expectAckError(
        await send(w.supervisor, 'ticket:cancel', { commandId: id, ticketId: other.id, reason: 'duplicate' }),
        'IDEMPOTENCY_MISMATCH',
      );
      expect(err.details).to.deep.equal({ key: id });
      const reason = expectAckError(
        await send(w.supervisor, 'ticket:cancel', { commandId: id, ticketId: ticket.id, reason: 'another reason' }),
        'IDEMPOTENCY_MISMATCH',
      );
      expect(reason.details).to.deep.equal({ key: id });
      expect(await observe({ ticketId: other.id })).to.deep.equal(before);
    });

    it('the same commandId for another event on the same ticket → IDEMPOTENCY_MISMATCH', async () => {
      const { tech, ticket } = await techTicket('ASSIGNED');
      const id = commandId();
      expectAckOk(await send(tech, 'ticket:start', { commandId: id, ticketId: ticket.id }));
      const before = await observe({ ticketId: ticket.id });
      expectAckError(await send(tech, 'ticket:submitQc', { commandId: id, ticketId: ticket.id }), 'IDEMPOTENCY_MISMATCH');
      expect(await observe({ ticketId: ticket.id })).to.deep.equal(before);
    });

    it('socket first, then REST with Idempotency-Key = commandId, same user and input → the REST call replays the ack data', async () => {
      const { tech, ticket } = await techTicket('ASSIGNED');
      const id = commandId();
      const data = expectAckOk(await send(tech, 'ticket:start', { commandId: id, ticketId: ticket.id }));
      const state = await observe({ ticketId: ticket.id });
      const res = await tech.api.post(`/tickets/${ticket.id}/start`, undefined, { 'idempotency-key': id });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.headers.get('idempotent-replayed')).to.equal('true');
      expect(res.body).to.deep.equal(data);
      expect(await observe({ ticketId: ticket.id })).to.deep.equal(state);
    });

    it('REST first, then the socket with commandId = Idempotency-Key → the ack replays the REST body', async () => {
      const { tech, ticket } = await techTicket('IN_PROGRESS');
      const id = commandId();
      const res = await tech.api.post(`/work-sessions/${ticket.openSession.id}/pause`, { reason: 'BREAK' }, { 'idempotency-key': id });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const state = await observe({ ticketId: ticket.id });
      const data = expectAckOk(await send(tech, 'session:pause', { commandId: id, sessionId: ticket.openSession.id, reason: 'BREAK' }));
      expect(data).to.deep.equal(res.body);
      expect(await observe({ ticketId: ticket.id })).to.deep.equal(state);
      // A REST request with the key but another body is a mismatch there too.
      const mismatch = await tech.api.post(`/work-sessions/${ticket.openSession.id}/pause`, { reason: 'OTHER' }, { 'idempotency-key': id });
      expect(mismatch.status).to.equal(422);
      expect(mismatch.body.error.code).to.equal('IDEMPOTENCY_MISMATCH');
    });

    it('two copies of a command sent at once (a nervous resend) have one effect', async () => {
      const { tech, ticket } = await techTicket('ASSIGNED');
      const id = commandId();
      const payload = { commandId: id, ticketId: ticket.id };
      const s = await socketOf(tech);
      const acks = await Promise.all([s.command('ticket:start', payload), s.command('ticket:start', payload)]);
      const ok = acks.filter((a) => a.ok);
      expect(ok.length, JSON.stringify(acks)).to.be.at.least(1);
      for (const ack of acks) {
        if (ack.ok) expect(ack).to.deep.equal(ok[0]);
        else expect(ack.error, 'only "still in progress" may differ').to.deep.include({ code: 'CONFLICT' });
      }
      const state = await observe({ ticketId: ticket.id });
      expect((state.ticketTransitions as string[]).filter((e) => e.endsWith(`:${id}`))).to.deep.equal([`START:${id}`]);
      expect(state.sessions).to.have.length(1);
    });
  });

  describe('the user behind a connected socket', () => {
    it('is re-read per command: a role change applies at once, as over REST', async () => {
      const worker = await w.technician();
      const boss = await w.technician();
      expect((await w.admin.api.patch(`/users/${boss.id}`, { role: 'SUPERVISOR' })).status).to.equal(200);
      const workerSocket = await socketOf(worker);
      const bossSocket = await socketOf(boss);
      const ticket = await buildTicket(w.supervisor);
      const assign = (s: RecordingSocket) => s.command('ticket:assign', { commandId: commandId(), ticketId: ticket.id, technicianId: worker.id });
      // Both connected; now the technician is promoted and the supervisor demoted.
      expectAckError(await assign(workerSocket), 'FORBIDDEN');
      expect((await w.admin.api.patch(`/users/${worker.id}`, { role: 'SUPERVISOR' })).status).to.equal(200);
      expect((await w.admin.api.patch(`/users/${boss.id}`, { role: 'TECHNICIAN' })).status).to.equal(200);
      expectAckError(await assign(bossSocket), 'FORBIDDEN');
      const fresh = await w.technician();
      const data = expectAckOk(
        await workerSocket.command('ticket:assign', { commandId: commandId(), ticketId: ticket.id, technicianId: fresh.id }),
      );
      expect(data).to.include({ status: 'ASSIGNED', technicianId: fresh.id });
    });

    it('is re-read per command: a deactivated user gets an UNAUTHENTICATED ack, is disconnected, and nothing happens', async () => {
      const { tech, ticket } = await techTicket('ASSIGNED');
      const s = await socketOf(tech);
      const deactivated = await w.admin.api.patch(`/users/${tech.id}`, { active: false });
      expect(deactivated.status).to.equal(200);
      const before = await observe({ ticketId: ticket.id });
      const gone = nextDisconnect(s, 3000);
      // Every command is answered (api.md: "always with an ack callback"; REST would answer 401).
      const ack = await Promise.race([
        s.command('ticket:start', { commandId: commandId(), ticketId: ticket.id }),
        sleep(3000).then(() => 'no ack within 3 s' as const),
      ]);
      expect(await gone).to.equal('io server disconnect');
      expect(await observe({ ticketId: ticket.id })).to.deep.equal(before);
      expect(ack, 'the command was never acknowledged').to.not.equal('no ack within 3 s');
      expectAckError(ack as Exclude<typeof ack, string>, 'UNAUTHENTICATED');
    });
  });
});

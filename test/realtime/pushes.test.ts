import { expect } from 'chai';
import type { Push } from '../../src/realtime/events.js';
import type { RunningProduct } from '../../src/product.js';
import { ApiClient } from '../support/api-client.js';
import { connectSocket } from '../support/socket-client.js';
import { buildPart, TICKET_JSON_FIELDS, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import {
  buildWorld,
  caughtUpSeq,
  commandId,
  describePush,
  expectAckOk,
  expectPushEnvelope,
  expectStrictlyIncreasing,
  goLive,
  isSessionPush,
  isStockoutPush,
  isTicketPush,
  outboxPushes,
  seqs,
  sleep,
  SocketPool,
  sqlQuery,
  startSecondInstance,
  type World,
} from '../support/realtime.js';

const ACTIVE_STATUSES = ['UNDER_REVIEW', 'ASSIGNED', 'IN_PROGRESS', 'WAITING_QC', 'REWORK'];

/** The ticket part of a command's ack data (what GET /tickets/:id would show), without the extras. */
const ticketOfAck = (data: any) => {
  const { transition: _t, openSession: _o, stoppedSession: _s, ...ticket } = data;
  return ticket;
};

describe('realtime pushes: who receives what (api.md "Realtime" pushes)', () => {
  const t = useProduct();
  const sockets = new SocketPool();
  let w: World;
  const url = () => t.current.product.url;

  before(async () => {
    w = await buildWorld(t.current);
  });
  afterEach(() => sockets.closeAll());

  describe('visibility', () => {
    it('floor sockets get every push; a technician only pushes about their own tickets and sessions (and a ticket re-assigned away), never stockouts', async () => {
      const techA = await w.technician();
      const techB = await w.technician();
      const ticketA = await w.ticketIn('ASSIGNED', techA);
      const ticketB = await w.ticketIn('ASSIGNED', techB);
      const ticketC = await w.ticketIn('ASSIGNED', techA);
      const part = await buildPart(w.admin);

      const floor = {
        supervisor: await sockets.connect(url(), w.supervisor.token),
        admin: await sockets.connect(url(), w.admin.token),
        wallboard: await sockets.connect(url(), w.wallboard.token),
      };
      const handA = await sockets.connect(url(), techA.token);
      const handB = await sockets.connect(url(), techB.token);
      const control = await sockets.connect(url(), w.supervisor.token);
      for (const s of [...Object.values(floor), handA, handB, control]) await goLive(t.current.product, s);

      // 1. A starts their ticket; 2. B starts theirs; 3. A reports a stockout on their ticket;
      // 4. the supervisor pauses A's session over REST; 5. and B's over the socket;
      // 6. the supervisor re-assigns C from A to B.
      const startA = expectAckOk(await handA.command('ticket:start', { commandId: commandId(), ticketId: ticketA.id }));
      const startB = expectAckOk(await handB.command('ticket:start', { commandId: commandId(), ticketId: ticketB.id }));
      const stockout = expectAckOk(await handA.command('stockout:open', { commandId: commandId(), partId: part.id, ticketId: ticketA.id }));
      const pauseA = await w.supervisor.api.post(`/work-sessions/${startA.openSession.id}/pause`, { reason: 'BREAK' });
      expect(pauseA.status).to.equal(200);
      expectAckOk(await control.command('session:pause', { commandId: commandId(), sessionId: startB.openSession.id, reason: 'OTHER' }));
      const reassign = expectAckOk(await control.command('ticket:assign', { commandId: commandId(), ticketId: ticketC.id, technicianId: techB.id }));
      expect(reassign.technicianId).to.equal(techB.id);

      const last = isTicketPush(ticketC.id, 'ASSIGN');
      for (const s of [...Object.values(floor), handA, handB]) await s.waitFor(last);
      await sleep(300); // anything sent before the last push has arrived; leave room for strays after it

      const T = (id: string, event: string) => `ticket.updated ${id} ${event}`;
      const S = (id: string, event: string) => `session.updated ${id} ${event}`;
      const everything = [
        T(ticketA.id, 'START'),
        S(startA.openSession.id, 'START'),
        T(ticketB.id, 'START'),
        S(startB.openSession.id, 'START'),
        `stockout.updated ${stockout.id} OPEN`,
        S(startA.openSession.id, 'PAUSE'),
        S(startB.openSession.id, 'PAUSE'),
        T(ticketC.id, 'ASSIGN'),
      ];
      for (const [role, s] of Object.entries(floor)) {
        expect(outboxPushes(s.pushes).map(describePush), role).to.deep.equal(everything);
      }
      expect(outboxPushes(handA.pushes).map(describePush), 'technician A').to.deep.equal([
        T(ticketA.id, 'START'),
        S(startA.openSession.id, 'START'),
        S(startA.openSession.id, 'PAUSE'),
        T(ticketC.id, 'ASSIGN'), // re-assigned away from A: A is the previous assignee
      ]);
      expect(outboxPushes(handB.pushes).map(describePush), 'technician B').to.deep.equal([
        T(ticketB.id, 'START'),
        S(startB.openSession.id, 'START'),
        S(startB.openSession.id, 'PAUSE'),
        T(ticketC.id, 'ASSIGN'),
      ]);

      // Every socket: {seq, type, at, data}, seq strictly increasing; one seq per event everywhere.
      const floorSeqs = seqs(outboxPushes(floor.supervisor.pushes));
      for (const s of [...Object.values(floor), handA, handB]) {
        for (const p of s.pushes) expectPushEnvelope(p);
        expectStrictlyIncreasing(seqs(s.pushes), 'seq per client');
      }
      expect(seqs(outboxPushes(floor.admin.pushes))).to.deep.equal(floorSeqs);
      expect(seqs(outboxPushes(floor.wallboard.pushes))).to.deep.equal(floorSeqs);
      const seqOf = (d: string) => floorSeqs[everything.indexOf(d)];
      expect(seqs(outboxPushes(handA.pushes))).to.deep.equal(
        [T(ticketA.id, 'START'), S(startA.openSession.id, 'START'), S(startA.openSession.id, 'PAUSE'), T(ticketC.id, 'ASSIGN')].map(seqOf),
      );
    });

    it('push data: ticket.updated = ticket + transition (as the ack), session.updated = session with activeSeconds + transition, stockout.updated = incident', async () => {
      const tech = await w.technician();
      const ticket = await w.ticketIn('ASSIGNED', tech);
      const part = await buildPart(w.admin);
      const board = await sockets.connect(url(), w.wallboard.token);
      const hand = await sockets.connect(url(), tech.token);
      await goLive(t.current.product, board);
      await goLive(t.current.product, hand);

      const started = expectAckOk(await hand.command('ticket:start', { commandId: commandId(), ticketId: ticket.id }));
      const ticketPush = await board.waitFor(isTicketPush(ticket.id, 'START'));
      expect(Object.keys(ticketPush.data).sort()).to.deep.equal(['ticket', 'transition']);
      expect(ticketPush.type).to.equal('ticket.updated');
      expect(ticketPush.data.ticket).to.include.all.keys(...TICKET_JSON_FIELDS);
      expect(ticketPush.data.ticket).to.deep.equal(ticketOfAck(started));
      expect(ticketPush.data.transition).to.deep.equal(started.transition);

      const sessionPush = await hand.waitFor(isSessionPush(started.openSession.id, 'START'));
      expect(Object.keys(sessionPush.data).sort()).to.deep.equal(['session', 'transition']);
      expect(sessionPush.data.session).to.include({ id: started.openSession.id, status: 'RUNNING', technicianId: tech.id });
      expect((sessionPush.data as any).session.activeSeconds).to.be.a('number');
      expect(sessionPush.data.transition).to.deep.equal(started.openSession.transition);

      const opened = expectAckOk(await hand.command('stockout:open', { commandId: commandId(), partId: part.id, note: 'empty' }));
      const stockoutPush = await board.waitFor(isStockoutPush(opened.id));
      expect(Object.keys(stockoutPush.data)).to.deep.equal(['stockout']);
      expect(stockoutPush.data.stockout).to.include({ id: opened.id, partId: part.id, status: 'OPEN', note: 'empty', reportedBy: tech.id });
      for (const p of [ticketPush, sessionPush, stockoutPush]) expectPushEnvelope(p);
    });

    it('a long-polling wallboard gets exactly the pushes a WebSocket wallboard gets (written directly vs. through Engine.IO)', async () => {
      const tech = await w.technician();
      const ticket = await w.ticketIn('ASSIGNED', tech);
      const viaWebSocket = await sockets.connect(url(), w.wallboard.token);
      const viaPolling = await connectSocket(url(), w.wallboard.token, { transports: ['polling'] });
      try {
        expect(viaPolling.socket.io.engine.transport.name).to.equal('polling');
        await goLive(t.current.product, viaWebSocket);
        await goLive(t.current.product, viaPolling);
        const hand = await sockets.connect(url(), tech.token);
        await goLive(t.current.product, hand);
        const started = expectAckOk(await hand.command('ticket:start', { commandId: commandId(), ticketId: ticket.id }));
        expectAckOk(await hand.command('session:pause', { commandId: commandId(), sessionId: started.openSession.id, reason: 'BREAK' }));
        expectAckOk(await hand.command('ticket:submitQc', { commandId: commandId(), ticketId: ticket.id }));
        const last = isTicketPush(ticket.id, 'SUBMIT_QC');
        await Promise.all([viaWebSocket.waitFor(last), viaPolling.waitFor(last)]);
        const received = outboxPushes(viaWebSocket.pushes);
        expect(received.map(describePush)).to.deep.equal([
          `ticket.updated ${ticket.id} START`,
          `session.updated ${started.openSession.id} START`,
          `session.updated ${started.openSession.id} PAUSE`,
          `session.updated ${started.openSession.id} STOP`,
          `ticket.updated ${ticket.id} SUBMIT_QC`,
        ]);
        expect(outboxPushes(viaPolling.pushes)).to.deep.equal(received);
        expectStrictlyIncreasing(seqs(received), 'seq');
      } finally {
        viaPolling.close();
      }
    });

    it('a technician gets pushes about their own ticket when a supervisor acts on it (assignment to them, QC result)', async () => {
      const tech = await w.technician();
      const other = await w.technician();
      const hand = await sockets.connect(url(), tech.token);
      const otherHand = await sockets.connect(url(), other.token);
      await goLive(t.current.product, hand);
      await goLive(t.current.product, otherHand);
      const ticket = await w.ticketIn('WAITING_QC', tech); // assign, start, submit over REST
      const failed = await w.supervisor.api.post(`/tickets/${ticket.id}/qc-fail`, { reason: 'dust under glass' });
      expect(failed.status).to.equal(200);
      await hand.waitFor(isTicketPush(ticket.id, 'QC_FAIL'));
      await sleep(200);
      const sessionId = ticket.stoppedSession.id as string;
      // The part spec added while UNDER_REVIEW (before the ticket was theirs) is not about them.
      expect(outboxPushes(hand.pushes).map(describePush)).to.deep.equal([
        `ticket.updated ${ticket.id} ASSIGN`,
        `ticket.updated ${ticket.id} START`,
        `session.updated ${sessionId} START`,
        `session.updated ${sessionId} STOP`,
        `ticket.updated ${ticket.id} SUBMIT_QC`,
        `ticket.updated ${ticket.id} QC_FAIL`,
      ]);
      expect(otherHand.pushes, 'another technician').to.deep.equal([]);
    });

    it('sla.event outbox rows go to the floor and the technician concerned only', async () => {
      const tech = await w.technician();
      const other = await w.technician();
      const board = await sockets.connect(url(), w.supervisor.token);
      const hand = await sockets.connect(url(), tech.token);
      const otherHand = await sockets.connect(url(), other.token);
      for (const s of [board, hand, otherHand]) await goLive(t.current.product, s);
      // As the SLA job writes them: an event concerning `tech`, then one concerning nobody in particular.
      const aggregate = '00000000-0000-4000-8000-000000000001';
      await sqlQuery(
        t.current.product,
        `INSERT INTO outbox_events (type, aggregate_type, aggregate_id, technician_ids, data)
         VALUES ('sla.event', 'sla_event', $1, ARRAY[$2]::uuid[], $3::jsonb)`,
        [aggregate, tech.id, JSON.stringify({ marker: 'concerning-tech' })],
      );
      await sqlQuery(
        t.current.product,
        `INSERT INTO outbox_events (type, aggregate_type, aggregate_id, technician_ids, data)
         VALUES ('sla.event', 'sla_event', $1, '{}'::uuid[], $2::jsonb)`,
        [aggregate, JSON.stringify({ marker: 'floor-only' })],
      );
      const isMarker = (m: string) => (p: Push) => p.type === 'sla.event' && (p.data as any).marker === m;
      await board.waitFor(isMarker('floor-only'));
      await board.waitFor(isMarker('concerning-tech'));
      await hand.waitFor(isMarker('concerning-tech'));
      await sleep(300);
      expect(hand.pushes.map((p) => (p.data as any).marker)).to.deep.equal(['concerning-tech']);
      expect(otherHand.pushes).to.deep.equal([]);
    });

    it('a technician named twice in an outbox row gets its push once', async () => {
      const tech = await w.technician();
      const hand = await sockets.connect(url(), tech.token);
      await goLive(t.current.product, hand);
      await sqlQuery(
        t.current.product,
        `INSERT INTO outbox_events (type, aggregate_type, aggregate_id, technician_ids, data)
         VALUES ('sla.event', 'sla_event', '00000000-0000-4000-8000-000000000002', ARRAY[$1, $1]::uuid[], '{"marker":"twice"}')`,
        [tech.id],
      );
      await hand.waitFor((p) => p.type === 'sla.event');
      await sleep(300);
      expect(hand.pushes.map((p) => (p.data as any).marker)).to.deep.equal(['twice']);
    });
  });

  describe('floor.snapshot on connect', () => {
    it('supervisor, admin and wallboard get one floor.snapshot first, shaped as GET /floor, current to the latest seq', async () => {
      const tech = await w.technician();
      const ticket = await w.ticketIn('IN_PROGRESS', tech);
      const current = await caughtUpSeq(t.current.product);
      for (const user of [w.supervisor, w.admin, w.wallboard]) {
        const s = await sockets.connect(url(), user.token);
        const snapshot = await s.waitFor((p) => p.type === 'floor.snapshot', 3000);
        expect(s.pushes[0], 'the first push').to.equal(snapshot);
        expectPushEnvelope(snapshot);
        expect(snapshot.seq, 'the seq it is current to').to.equal(current);
        const data = snapshot.data as any;
        expect(data).to.have.all.keys('at', 'ticketsByStatus', 'technicians', 'openBreaches', 'openStockouts');
        expect(data.ticketsByStatus).to.have.all.keys(...ACTIVE_STATUSES);
        expect(data.openBreaches).to.be.an('array');
        expect(data.openStockouts).to.be.an('array');
        const mine = data.technicians.find((x: any) => x.id === tech.id);
        expect(mine, 'the technician with a ticket in progress').to.not.equal(undefined);
        expect(mine).to.have.all.keys('id', 'name', 'ticket', 'session');
        expect(mine.ticket).to.deep.equal({ id: ticket.id, title: ticket.title, status: 'IN_PROGRESS', flagColor: ticket.flagColor });
        expect(mine.session).to.include({ id: ticket.openSession.id, status: 'RUNNING' });
        expect(mine.session.activeSeconds).to.be.a('number');

        const rest = await user.api.get('/floor');
        expect(rest.status).to.equal(200);
        const strip = (floor: any) => ({
          ...floor,
          at: undefined,
          technicians: floor.technicians.map((x: any) => ({ ...x, session: x.session && { ...x.session, activeSeconds: undefined } })),
          openStockouts: floor.openStockouts.map((x: any) => ({ ...x, openMinutes: undefined })),
        });
        expect(strip(data)).to.deep.equal(strip(rest.body));
        await sleep(100);
        expect(s.pushes.filter((p) => p.type === 'floor.snapshot'), 'exactly one snapshot').to.have.length(1);
        s.close();
      }
    });

    it('a technician never gets a floor.snapshot (neither on connect, after the grace period, nor after sync)', async () => {
      const tech = await w.technician();
      await w.ticketIn('IN_PROGRESS', tech);
      const hand = await sockets.connect(url(), tech.token);
      await sleep(1500);
      expectAckOk(await hand.command('sync', { sinceSeq: await caughtUpSeq(t.current.product) }));
      await sleep(200);
      expect(hand.pushes.filter((p) => p.type === 'floor.snapshot')).to.deep.equal([]);
    });

    it('pushes committed while a new floor socket is held arrive after the snapshot, once, with higher seqs', async () => {
      const tech = await w.technician();
      const ticket = await w.ticketIn('ASSIGNED', tech);
      const board = await sockets.connect(url(), w.wallboard.token);
      // No sync: the socket is in its on-connect hold (1 s grace) while these commit.
      expect((await tech.api.post(`/tickets/${ticket.id}/start`)).status).to.equal(200);
      const push = await board.waitFor(isTicketPush(ticket.id, 'START'), 4000);
      await board.waitFor((p) => p.type === 'session.updated' && (p.data as any).session.ticketId === ticket.id, 4000);
      await sleep(300);
      expect(board.pushes[0]!.type).to.equal('floor.snapshot');
      expect(push.seq).to.be.greaterThan(board.pushes[0]!.seq);
      expect(board.pushes.filter(isTicketPush(ticket.id, 'START'))).to.have.length(1);
      expectStrictlyIncreasing(seqs(board.pushes), 'seq per client');
    });
  });

  describe('two product instances on one database', () => {
    let second: RunningProduct | undefined;
    before(async function () {
      this.timeout(60_000);
      second = await startSecondInstance(t.current);
    });
    after(async () => {
      await second?.close();
    });
    const instanceB = () => {
      if (!second) throw new Error('second instance not started');
      return second;
    };

    it('a command on instance A (socket) is pushed to floor and technician sockets on instance B, and the reverse over REST', async () => {
      const tech: TestUser = await w.technician();
      const ticket = await w.ticketIn('ASSIGNED', tech);
      const handOnA = await sockets.connect(url(), tech.token);
      const floorOnA = await sockets.connect(url(), w.supervisor.token);
      const floorOnB = await sockets.connect(instanceB().url, w.wallboard.token);
      const handOnB = await sockets.connect(instanceB().url, tech.token);
      await goLive(t.current.product, handOnA);
      await goLive(t.current.product, floorOnA);
      await goLive(instanceB(), floorOnB);
      await goLive(instanceB(), handOnB);

      const started = expectAckOk(await handOnA.command('ticket:start', { commandId: commandId(), ticketId: ticket.id }));
      const onB = await floorOnB.waitFor(isTicketPush(ticket.id, 'START'));
      const onBHand = await handOnB.waitFor(isTicketPush(ticket.id, 'START'));
      const onA = await floorOnA.waitFor(isTicketPush(ticket.id, 'START'));
      expect(onB).to.deep.equal(onA);
      expect(onBHand).to.deep.equal(onA);
      expect(onB.data.ticket).to.deep.equal(ticketOfAck(started));
      await floorOnB.waitFor(isSessionPush(started.openSession.id, 'START'));

      // REST on B → socket on A.
      const viaB = new ApiClient(instanceB().url, tech.token);
      const paused = await viaB.post(`/work-sessions/${started.openSession.id}/pause`, { reason: 'BREAK' });
      expect(paused.status, JSON.stringify(paused.body)).to.equal(200);
      const pauseOnA = await floorOnA.waitFor(isSessionPush(started.openSession.id, 'PAUSE'));
      const pauseOnAHand = await handOnA.waitFor(isSessionPush(started.openSession.id, 'PAUSE'));
      const pauseOnB = await floorOnB.waitFor(isSessionPush(started.openSession.id, 'PAUSE'));
      expect(pauseOnA.seq).to.equal(pauseOnB.seq);
      expect(pauseOnAHand.seq).to.equal(pauseOnB.seq);

      await sleep(300);
      for (const s of [handOnA, floorOnA, floorOnB, handOnB]) {
        expectStrictlyIncreasing(seqs(s.pushes), 'seq per client');
        expect(outboxPushes(s.pushes).map(describePush)).to.deep.equal([
          `ticket.updated ${ticket.id} START`,
          `session.updated ${started.openSession.id} START`,
          `session.updated ${started.openSession.id} PAUSE`,
        ]);
      }
    });

    it('a command on instance B over the socket is pushed to instance A, and both instances give the same ack to a resend', async () => {
      const tech = await w.technician();
      const ticket = await w.ticketIn('ASSIGNED', tech);
      const floorOnA = await sockets.connect(url(), w.admin.token);
      await goLive(t.current.product, floorOnA);
      const supervisorOnB = await sockets.connect(instanceB().url, w.supervisor.token);
      const supervisorOnA = await sockets.connect(url(), w.supervisor.token);
      const payload = { commandId: commandId(), ticketId: ticket.id, reason: 'duplicate order' };
      const ack = await supervisorOnB.command('ticket:cancel', payload);
      expectAckOk(ack);
      await floorOnA.waitFor(isTicketPush(ticket.id, 'CANCEL'));
      expect(await supervisorOnA.command('ticket:cancel', payload)).to.deep.equal(ack);
      await sleep(300);
      expect(floorOnA.pushes.filter(isTicketPush(ticket.id, 'CANCEL'))).to.have.length(1);
    });
  });
});

import { expect } from 'chai';
import { buildPart } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import {
  buildWorld,
  caughtUpSeq,
  commandId,
  describePush,
  expectAckError,
  expectAckOk,
  expectPushEnvelope,
  expectStrictlyIncreasing,
  goLive,
  isSessionPush,
  isTicketPush,
  nextDisconnect,
  outboxPushes,
  seqs,
  sleep,
  SocketPool,
  startSecondInstance,
  type World,
} from '../support/realtime.js';
import type { RecordingSocket } from '../support/socket-client.js';
import type pg from 'pg';
import type { RunningProduct } from '../../src/product.js';

/**
 * api.md: "A client that was disconnected sends `sync {sinceSeq}` with the last seq it saw and
 * receives every push it is entitled to since then, in order, then live pushes — no gaps, no
 * duplicates within a sync." The oracle is a floor socket that stays connected throughout.
 */
describe('realtime sync: disconnect → commands meanwhile → reconnect → sync', () => {
  const t = useProduct();
  const sockets = new SocketPool();
  let w: World;
  const url = () => t.current.product.url;

  before(async () => {
    w = await buildWorld(t.current);
  });
  afterEach(() => sockets.closeAll());

  /** Connects and syncs at once (as a reconnecting client does); returns the ack data and the pushes that came with it. */
  async function reconnectAndSync(token: string, sinceSeq: number) {
    const s = await sockets.connect(url(), token);
    const ack = await s.command('sync', { sinceSeq });
    const withSync = [...s.pushes];
    return { s, ack, withSync };
  }

  /** A floor socket that sees everything from now on. */
  async function watcher(): Promise<RecordingSocket> {
    const s = await sockets.connect(url(), w.admin.token);
    await goLive(t.current.product, s);
    return s;
  }

  it('a technician gets exactly the missed pushes about them, in order, then live pushes with higher seqs and no duplicates', async function () {
    this.timeout(20_000);
    const tech = await w.technician();
    const otherTech = await w.technician();
    const mine = await w.ticketIn('ASSIGNED', tech);
    const leaving = await w.ticketIn('ASSIGNED', tech);
    const theirs = await w.ticketIn('ASSIGNED', otherTech);
    const part = await buildPart(w.admin);
    const oracle = await watcher();

    const hand = await sockets.connect(url(), tech.token);
    await goLive(t.current.product, hand);
    const started = expectAckOk(await hand.command('ticket:start', { commandId: commandId(), ticketId: mine.id }));
    const sessionId = started.openSession.id as string;
    await hand.waitFor(isSessionPush(sessionId, 'START'));
    const lastSeen = Math.max(...seqs(hand.pushes));
    hand.close();

    // Meanwhile, over REST and other sockets: some about the technician, some not.
    const control = await sockets.connect(url(), w.supervisor.token);
    expect((await w.supervisor.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'BREAK' })).status).to.equal(200);
    expect((await otherTech.api.post(`/tickets/${theirs.id}/start`)).status).to.equal(200);
    expectAckOk(await control.command('stockout:open', { commandId: commandId(), partId: part.id }));
    expectAckOk(await control.command('session:resume', { commandId: commandId(), sessionId }));
    expectAckOk(await control.command('ticket:assign', { commandId: commandId(), ticketId: leaving.id, technicianId: otherTech.id }));
    await oracle.waitFor(isTicketPush(leaving.id, 'ASSIGN'));

    const missed = oracle.pushes.filter((p) => p.seq > lastSeen);
    const expected = [
      `session.updated ${sessionId} PAUSE`,
      `session.updated ${sessionId} RESUME`,
      `ticket.updated ${leaving.id} ASSIGN`, // re-assigned away: still about them
    ];
    const expectedPushes = missed.filter((p) => expected.includes(describePush(p)));
    expect(expectedPushes.map(describePush)).to.deep.equal(expected);
    expect(missed.length, 'others happened meanwhile too').to.be.greaterThan(expected.length);

    const { s: again, ack, withSync } = await reconnectAndSync(tech.token, lastSeen);
    const data = expectAckOk(ack);
    expect(data).to.deep.equal({ replayed: 3, lastSeq: Math.max(...seqs(oracle.pushes)) });
    expect(withSync, 'replayed pushes, identical to the live ones').to.deep.equal(expectedPushes);

    // Live again: a later push has a higher seq, nothing replayed comes twice.
    expect((await w.supervisor.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'OTHER' })).status).to.equal(200);
    const live = await again.waitFor((p) => p.seq > data.lastSeq);
    expect(describePush(live)).to.equal(`session.updated ${sessionId} PAUSE`);
    await sleep(1500); // past the on-connect grace period: held pushes would show up now
    expect(again.pushes.map(describePush)).to.deep.equal([...expected, `session.updated ${sessionId} PAUSE`]);
    expectStrictlyIncreasing(seqs(again.pushes), 'seq per client');
  });

  it('a floor client gets every missed push in order (identical to the live ones), then live pushes', async function () {
    this.timeout(20_000);
    const tech = await w.technician();
    const ticket = await w.ticketIn('ASSIGNED', tech);
    const part = await buildPart(w.admin);
    const oracle = await watcher();
    const board = await sockets.connect(url(), w.wallboard.token);
    await goLive(t.current.product, board);
    expect((await w.supervisor.api.post(`/tickets/${ticket.id}/part-specs`, { partId: part.id })).status).to.equal(201);
    await board.waitFor(isTicketPush(ticket.id, 'PART_SPEC_ADD'));
    const lastSeen = Math.max(...seqs(outboxPushes(board.pushes)));
    board.close();

    const started = await tech.api.post(`/tickets/${ticket.id}/start`);
    expect(started.status).to.equal(200);
    expect((await tech.api.post('/stockouts', { partId: part.id })).status).to.equal(201);
    expect((await tech.api.post(`/tickets/${ticket.id}/submit-qc`)).status).to.equal(200);
    await oracle.waitFor(isTicketPush(ticket.id, 'SUBMIT_QC'));
    const missed = oracle.pushes.filter((p) => p.seq > lastSeen);
    expect(missed.map((p) => p.type)).to.deep.equal(['ticket.updated', 'session.updated', 'stockout.updated', 'session.updated', 'ticket.updated']);

    const { s: again, ack, withSync } = await reconnectAndSync(w.wallboard.token, lastSeen);
    const data = expectAckOk(ack);
    expect(data).to.deep.equal({ replayed: missed.length, lastSeq: missed[missed.length - 1]!.seq });
    expect(outboxPushes(withSync), 'the replay').to.deep.equal(missed);

    expect((await w.supervisor.api.post(`/tickets/${ticket.id}/qc-pass`)).status).to.equal(200);
    const live = await again.waitFor(isTicketPush(ticket.id, 'QC_PASS'));
    expect(live.seq).to.be.greaterThan(data.lastSeq);
    await sleep(1500);
    expect(outboxPushes(again.pushes)).to.deep.equal([...missed, live]);
  });

  it('a floor client that reconnects sees seq strictly increase across floor.snapshot and the replay (api.md: seq strictly increasing per client)', async function () {
    this.timeout(20_000);
    const tech = await w.technician();
    const ticket = await w.ticketIn('ASSIGNED', tech);
    const board = await sockets.connect(url(), w.supervisor.token);
    await goLive(t.current.product, board);
    const lastSeen = await caughtUpSeq(t.current.product);
    board.close();
    expect((await tech.api.post(`/tickets/${ticket.id}/start`)).status).to.equal(200);
    await caughtUpSeq(t.current.product);

    const { s: again, ack } = await reconnectAndSync(w.supervisor.token, lastSeen);
    expect(expectAckOk(ack).replayed).to.equal(2);
    await sleep(300);
    const received = again.pushes.map((p) => `${p.seq} ${p.type}`);
    // A client that keeps "the last seq I saw" must be able to trust every push it is given.
    expectStrictlyIncreasing(seqs(again.pushes), `pushes received after reconnecting: ${JSON.stringify(received)}`);
  });

  it('pushes committed while the sync is running are delivered once, after the replay, with no gap', async function () {
    this.timeout(20_000);
    const tickets = [];
    for (let i = 0; i < 4; i++) tickets.push(await w.ticketIn('ASSIGNED', await w.technician()));
    const oracle = await watcher();
    const board = await sockets.connect(url(), w.wallboard.token);
    await goLive(t.current.product, board);
    const lastSeen = await caughtUpSeq(t.current.product);
    board.close();
    // Missed while away.
    expect((await w.supervisor.api.post(`/tickets/${tickets[0]!.id}/cancel`, { reason: 'a' })).status).to.equal(200);
    expect((await w.supervisor.api.post(`/tickets/${tickets[1]!.id}/cancel`, { reason: 'b' })).status).to.equal(200);
    await caughtUpSeq(t.current.product);

    // Reconnect and sync while more commands commit concurrently.
    const again = await sockets.connect(url(), w.wallboard.token);
    const [ack] = await Promise.all([
      again.command('sync', { sinceSeq: lastSeen }),
      ...tickets.slice(2).map((tk) => w.supervisor.api.post(`/tickets/${tk.id}/cancel`, { reason: 'c' })),
    ]);
    expectAckOk(ack);
    for (const tk of tickets) await oracle.waitFor(isTicketPush(tk.id, 'CANCEL'));
    for (const tk of tickets) await again.waitFor(isTicketPush(tk.id, 'CANCEL'));
    await sleep(1500);
    const expected = oracle.pushes.filter((p) => p.seq > lastSeen);
    expect(outboxPushes(again.pushes).map(describePush)).to.deep.equal(expected.map(describePush));
    expect(seqs(outboxPushes(again.pushes))).to.deep.equal(seqs(expected));
  });

  it('pushes committed between connect and sync (while the socket is held) arrive once, in order, within the replay', async () => {
    const tech = await w.technician();
    const other = await w.technician();
    const ticket = await w.ticketIn('ASSIGNED', tech);
    const theirs = await w.ticketIn('ASSIGNED', other);
    const lastSeen = await caughtUpSeq(t.current.product);
    const board = await sockets.connect(url(), w.wallboard.token);
    const hand = await sockets.connect(url(), tech.token);
    // Committed and published by the tailer after both sockets connected, before they sync.
    expect((await tech.api.post(`/tickets/${ticket.id}/start`)).status).to.equal(200);
    expect((await other.api.post(`/tickets/${theirs.id}/start`)).status).to.equal(200);
    await caughtUpSeq(t.current.product);
    expect(outboxPushes(board.pushes), 'held until the sync').to.deep.equal([]);
    expect(hand.pushes, 'held until the sync').to.deep.equal([]);

    const boardAck = expectAckOk(await board.command('sync', { sinceSeq: lastSeen }));
    const handAck = expectAckOk(await hand.command('sync', { sinceSeq: lastSeen }));
    expect(boardAck.replayed).to.equal(4);
    expect(handAck.replayed).to.equal(2);
    await sleep(1500); // past the grace period
    expect(outboxPushes(board.pushes).map((p) => p.type)).to.deep.equal(['ticket.updated', 'session.updated', 'ticket.updated', 'session.updated']);
    expectStrictlyIncreasing(seqs(outboxPushes(board.pushes)), 'floor');
    const sessionId = (await tech.api.get(`/tickets/${ticket.id}`)).body.openSession.id;
    expect(hand.pushes.map(describePush)).to.deep.equal([`ticket.updated ${ticket.id} START`, `session.updated ${sessionId} START`]);
    expectStrictlyIncreasing(seqs(hand.pushes), 'technician');
  });

  it('a technician socket that never syncs gets, after the grace period, only its own pushes committed meanwhile', async () => {
    const tech = await w.technician();
    const other = await w.technician();
    const ticket = await w.ticketIn('ASSIGNED', tech);
    const theirs = await w.ticketIn('ASSIGNED', other);
    const hand = await sockets.connect(url(), tech.token);
    expect((await other.api.post(`/tickets/${theirs.id}/start`)).status).to.equal(200);
    expect((await tech.api.post(`/tickets/${ticket.id}/start`)).status).to.equal(200);
    await hand.waitFor((p) => p.type === 'session.updated', 3000);
    await sleep(300);
    expect(hand.pushes.map((p) => `${p.type} ${(p.data as any).ticket?.id ?? (p.data as any).session?.ticketId}`)).to.deep.equal([
      `ticket.updated ${ticket.id}`,
      `session.updated ${ticket.id}`,
    ]);
  });

  it("a technician's sync from 0 replays only their own history", async () => {
    const tech = await w.technician();
    const ticket = await w.ticketIn('IN_PROGRESS', tech); // ASSIGN, START (+ session START); PART_SPEC_ADD was before it was theirs
    const sessionId = ticket.openSession.id as string;
    await w.ticketIn('IN_PROGRESS', await w.technician()); // someone else's
    await caughtUpSeq(t.current.product);
    const { ack, withSync } = await reconnectAndSync(tech.token, 0);
    const data = expectAckOk(ack);
    expect(withSync.map(describePush)).to.deep.equal([
      `ticket.updated ${ticket.id} ASSIGN`,
      `ticket.updated ${ticket.id} START`,
      `session.updated ${sessionId} START`,
    ]);
    expect(data.replayed).to.equal(3);
    for (const p of withSync) expectPushEnvelope(p);
    expectStrictlyIncreasing(seqs(withSync), 'replay order');
  });

  it('sync from the current seq replays nothing; a later sync on the same socket replays exactly the range it asks for', async () => {
    const tech = await w.technician();
    const ticket = await w.ticketIn('ASSIGNED', tech);
    const hand = await sockets.connect(url(), tech.token);
    const now = await caughtUpSeq(t.current.product);
    expect(expectAckOk(await hand.command('sync', { sinceSeq: now }))).to.deep.equal({ replayed: 0, lastSeq: now });
    expect((await tech.api.post(`/tickets/${ticket.id}/start`)).status).to.equal(200);
    await hand.waitFor((p) => p.type === 'session.updated');
    const live = [...hand.pushes];
    expect(live.map((p) => p.type)).to.deep.equal(['ticket.updated', 'session.updated']);
    // The client lost track (e.g. app restart with a stale seq) and syncs again from `now`: replay only, no live repeats.
    const data = expectAckOk(await hand.command('sync', { sinceSeq: now }));
    expect(data).to.deep.equal({ replayed: 2, lastSeq: live[1]!.seq });
    await sleep(300);
    expect(hand.pushes).to.deep.equal([...live, ...live]);
  });

  it('sync with an invalid payload → VALIDATION_FAILED ack, and the socket still goes live', async () => {
    const tech = await w.technician();
    const hand = await sockets.connect(url(), tech.token);
    for (const payload of [{}, { sinceSeq: -1 }, { sinceSeq: 'last' }, { sinceSeq: 1.5 }, null, 'x']) {
      expectAckError(await hand.command('sync', payload), 'VALIDATION_FAILED');
    }
    const ticket = await w.ticketIn('ASSIGNED', tech);
    await hand.waitFor(isTicketPush(ticket.id, 'ASSIGN'), 3000);
  });

  it('a sync without an ack callback does not crash the server', async () => {
    const tech = await w.technician();
    const hand = await sockets.connect(url(), tech.token);
    const emit = hand.socket.emit.bind(hand.socket) as (event: string, ...args: unknown[]) => void;
    emit('sync', { sinceSeq: 0 });
    emit('sync');
    emit('sync', { sinceSeq: 0 }, 'not a function');
    await sleep(200);
    expect(hand.socket.connected).to.equal(true);
    expect(expectAckOk(await hand.command('sync', { sinceSeq: 0 })).replayed).to.equal(0);
    const health = await fetch(`${url()}/healthz`);
    expect(health.status).to.equal(200);
  });

  it('disconnect is noticed: the server drops the socket from the floor room (no pushes to a closed socket)', async () => {
    const board = await sockets.connect(url(), w.wallboard.token);
    const id = board.socket.id;
    board.close();
    await nextDisconnect(board, 1000);
    await sleep(200);
    const inFloor = await t.current.product.realtime!.gateway.io.in('floor').fetchSockets();
    expect(inFloor.map((s) => s.id)).to.not.include(id);
  });

  describe('reconnecting to another instance whose tailer is behind (a lost NOTIFY: the tailer catches up by polling)', () => {
    let lagging: RunningProduct | undefined;
    before(async function () {
      this.timeout(60_000);
      lagging = await startSecondInstance(t.current, { OUTBOX_POLL_MS: '60000' });
      // Simulate lost notifications: end the LISTEN connection (the tailer then relies on its poll / wake()).
      const tailer = lagging.realtime!.tailer as unknown as { listener?: pg.Client };
      await tailer.listener?.end();
    });
    after(async () => {
      await lagging?.close();
    });

    it('after sync acks lastSeq, the lagging instance does not push again what the client saw before (seq ≤ lastSeq)', async () => {
      const b = lagging!;
      const tech = await w.technician();
      const ticket = await w.ticketIn('ASSIGNED', tech);
      const onA = await sockets.connect(url(), tech.token);
      await goLive(t.current.product, onA);
      const started = expectAckOk(await onA.command('ticket:start', { commandId: commandId(), ticketId: ticket.id }));
      await onA.waitFor(isSessionPush(started.openSession.id, 'START'));
      const lastSeen = Math.max(...seqs(onA.pushes));
      onA.close();
      expect(b.realtime!.tailer.lastSeq, 'precondition: instance B has not read these events yet').to.be.lessThan(lastSeen);

      const onB = await sockets.connect(b.url, tech.token);
      const data = expectAckOk(await onB.command('sync', { sinceSeq: lastSeen }));
      expect(data.replayed).to.equal(0);
      expect(data.lastSeq).to.be.at.least(lastSeen);
      await b.realtime!.tailer.wake(); // the poll catches up
      expect((await tech.api.post(`/work-sessions/${started.openSession.id}/pause`, { reason: 'BREAK' })).status).to.equal(200);
      await b.realtime!.tailer.wake();
      await onB.waitFor(isSessionPush(started.openSession.id, 'PAUSE'));
      await sleep(300);
      expect(
        onB.pushes.map((p) => `${p.seq} ${describePush(p)}`),
        `pushes after a sync that acked lastSeq ${data.lastSeq}`,
      ).to.deep.equal(onB.pushes.filter((p) => p.seq > data.lastSeq).map((p) => `${p.seq} ${describePush(p)}`));
    });
  });
});

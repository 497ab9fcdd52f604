import { expect } from 'chai';
import { useProduct } from '../support/harness.js';
import {
  buildWorld,
  caughtUpSeq,
  expectAckError,
  expectAckOk,
  goLive,
  isTicketPush,
  outboxPushes,
  seqs,
  sleep,
  SocketPool,
  sqlQuery,
  type World,
} from '../support/realtime.js';

const FLOOR_KEYS = ['at', 'ticketsByStatus', 'technicians', 'openBreaches', 'openStockouts'];

/** Issue: "Bound it (e.g. 24 h or N events); beyond the bound answer RESYNC_REQUIRED with a fresh snapshot." */
describe('realtime sync bounds: REPLAY_MAX_EVENTS=3, REPLAY_MAX_AGE_HOURS=24', () => {
  const t = useProduct({ env: { REPLAY_MAX_EVENTS: '3', REPLAY_MAX_AGE_HOURS: '24' } });
  const sockets = new SocketPool();
  let w: World;
  const url = () => t.current.product.url;

  before(async () => {
    w = await buildWorld(t.current);
  });
  afterEach(() => sockets.closeAll());

  /** `n` ticket.updated events on fresh UNDER_REVIEW tickets (cancel), floor-only. */
  async function floorEvents(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const tech = await w.technician();
      const ticket = await w.ticketIn('ASSIGNED', tech);
      ids.push(ticket.id);
    }
    const since = await caughtUpSeq(t.current.product);
    for (const id of ids) expect((await w.supervisor.api.post(`/tickets/${id}/cancel`, { reason: 'x' })).status).to.equal(200);
    return [String(since), ...ids];
  }

  it('exactly REPLAY_MAX_EVENTS missed → replayed', async () => {
    const [since, ...ids] = await floorEvents(3);
    const s = await sockets.connect(url(), w.wallboard.token);
    const data = expectAckOk(await s.command('sync', { sinceSeq: Number(since) }));
    expect(data.replayed).to.equal(3);
    expect(outboxPushes(s.pushes).map((p) => (p.data as any).ticket.id)).to.deep.equal(ids);
  });

  it('more than REPLAY_MAX_EVENTS missed → RESYNC_REQUIRED with details.seq and a floor snapshot; nothing replayed; live pushes continue after details.seq', async () => {
    const [since, ...ids] = await floorEvents(4);
    const current = await caughtUpSeq(t.current.product);
    const s = await sockets.connect(url(), w.wallboard.token);
    const err = expectAckError(await s.command('sync', { sinceSeq: Number(since) }), 'RESYNC_REQUIRED');
    expect(err.details).to.have.all.keys('seq', 'snapshot');
    expect(err.details.seq).to.equal(current);
    expect(err.details.snapshot).to.have.all.keys(...FLOOR_KEYS);
    // The snapshot is fresh: the four cancelled tickets are gone from the active counts, and no replay was sent.
    const rest = await w.supervisor.api.get('/floor');
    expect(err.details.snapshot.ticketsByStatus).to.deep.equal(rest.body.ticketsByStatus);
    await sleep(200);
    for (const id of ids) expect(s.pushes.filter(isTicketPush(id))).to.deep.equal([]);
    // Start again from the snapshot: the next push is live and after details.seq.
    const tech = await w.technician();
    const ticket = await w.ticketIn('ASSIGNED', tech);
    const live = await s.waitFor(isTicketPush(ticket.id, 'ASSIGN'));
    expect(live.seq).to.be.greaterThan(err.details.seq);
    expect(seqs(outboxPushes(s.pushes)).every((q) => q > err.details.seq)).to.equal(true);
  });

  it("a technician's bound counts their own events; beyond it the snapshot is theirs (no floor data)", async () => {
    const tech = await w.technician();
    const hand = await sockets.connect(url(), tech.token);
    const since = await goLive(t.current.product, hand);
    hand.close();
    // Many events about others (more than the bound) and three about the technician: still replayable.
    await floorEvents(4);
    const ticket = await w.ticketIn('ASSIGNED', tech); // PART_SPEC_ADD (not theirs yet), ASSIGN
    const started = await tech.api.post(`/tickets/${ticket.id}/start`); // ticket START + session START
    expect(started.status).to.equal(200);
    await caughtUpSeq(t.current.product);
    const ok = await sockets.connect(url(), tech.token);
    expect(expectAckOk(await ok.command('sync', { sinceSeq: since })).replayed).to.equal(3);

    // One more about them: four → beyond the bound.
    expect((await tech.api.post(`/work-sessions/${started.body.openSession.id}/pause`, { reason: 'BREAK' })).status).to.equal(200);
    await caughtUpSeq(t.current.product);
    const again = await sockets.connect(url(), tech.token);
    const err = expectAckError(await again.command('sync', { sinceSeq: since }), 'RESYNC_REQUIRED');
    expect(err.details.seq).to.be.a('number');
    const snapshot = err.details.snapshot;
    expect(snapshot).to.be.an('object');
    for (const key of ['technicians', 'ticketsByStatus', 'openStockouts']) expect(snapshot, 'no floor data for a technician').to.not.have.property(key);
    expect(snapshot.tickets.map((x: any) => x.id)).to.deep.equal([ticket.id]);
    expect(snapshot.tickets[0]).to.include({ status: 'IN_PROGRESS', technicianId: tech.id });
    expect(snapshot.session).to.include({ id: started.body.openSession.id, status: 'PAUSED' });
  });

  it('a sinceSeq whose following rows are older than REPLAY_MAX_AGE_HOURS → RESYNC_REQUIRED; rows cleaned up after sinceSeq → RESYNC_REQUIRED', async () => {
    const [since] = await floorEvents(2);
    const s = await sockets.connect(url(), w.admin.token);
    expect(expectAckOk(await s.command('sync', { sinceSeq: Number(since) })).replayed, 'control: within the window').to.equal(2);

    await sqlQuery(t.current.product, `UPDATE outbox_events SET created_at = created_at - interval '25 hours' WHERE seq > $1`, [Number(since)]);
    const late = await sockets.connect(url(), w.admin.token);
    const err = expectAckError(await late.command('sync', { sinceSeq: Number(since) }), 'RESYNC_REQUIRED');
    expect(err.details.snapshot).to.have.all.keys(...FLOOR_KEYS);
    expect(err.details.seq).to.equal(await caughtUpSeq(t.current.product));

    // Back inside the window, then retention removes the rows after an old sinceSeq (here: the oldest ones).
    await sqlQuery(t.current.product, `UPDATE outbox_events SET created_at = created_at + interval '25 hours' WHERE seq > $1`, [Number(since)]);
    expect(expectAckOk(await late.command('sync', { sinceSeq: Number(since) })).replayed, 'control: back in the window').to.equal(2);
    const [oldest] = await sqlQuery<{ seq: string }>(t.current.product, 'SELECT min(seq)::text AS seq FROM outbox_events');
    await sqlQuery(t.current.product, 'DELETE FROM outbox_events WHERE seq <= $1', [Number(oldest!.seq) + 1]);
    const tech = await w.technician();
    await w.ticketIn('ASSIGNED', tech);
    const fresh = await caughtUpSeq(t.current.product);
    const gone = await sockets.connect(url(), w.admin.token);
    expectAckError(await gone.command('sync', { sinceSeq: Number(oldest!.seq) - 1 }), 'RESYNC_REQUIRED');
    // …while a recent sinceSeq still replays normally.
    const recent = await sockets.connect(url(), w.admin.token);
    expect(expectAckOk(await recent.command('sync', { sinceSeq: fresh - 1 })).replayed).to.equal(1);
  });
});

import { expect } from 'chai';
import type pg from 'pg';
import type { Push } from '../../src/realtime/events.js';
import { buildPart } from '../support/factories.js';
import { connectSql, useProduct } from '../support/harness.js';
import { buildWorld, caughtUpSeq, goLive, isStockoutPush, outboxPushes, seqs, sleep, SocketPool, type World } from '../support/realtime.js';

/**
 * Seqs are assigned while transactions commit, without a lock (migration 0008), so a later seq can
 * become visible before an earlier one. The tailer waits at such a gap — pushes stay in seq order
 * with nothing skipped — and goes past it only when the gap can no longer fill.
 *
 * A gap is made on purpose: a transaction inserts an outbox row and fires its deferred seq trigger
 * at once (SET CONSTRAINTS … IMMEDIATE), then stays open while a command commits the next seq.
 */
describe('realtime: gaps in the outbox seq', function () {
  this.timeout(30_000);
  const t = useProduct();
  const sockets = new SocketPool();
  let w: World;
  let holder: pg.Client;
  const url = () => t.current.product.url;

  before(async () => {
    w = await buildWorld(t.current);
  });
  beforeEach(async () => {
    holder = await connectSql(t.current.databaseUrl);
  });
  afterEach(async () => {
    sockets.closeAll();
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
  });

  /** Opens a transaction holding an outbox row whose seq is taken but not yet visible; returns that seq. */
  async function holdSeq(note: string): Promise<number> {
    await holder.query('BEGIN');
    await holder.query(
      `INSERT INTO outbox_events (type, aggregate_type, aggregate_id, technician_ids, data)
       VALUES ('stockout.updated', 'stockout', gen_random_uuid(), '{}', jsonb_build_object('stockout', jsonb_build_object('note', $1::text)))`,
      [note],
    );
    await holder.query('SET CONSTRAINTS outbox_events_assign_seq_at_commit IMMEDIATE');
    const { rows } = await holder.query(`SELECT seq::int AS seq FROM outbox_events WHERE data -> 'stockout' ->> 'note' = $1`, [note]);
    return rows[0].seq as number;
  }

  /** A committed stockout.updated push from a real command; returns the incident id. */
  async function openStockout(): Promise<string> {
    const part = await buildPart(w.admin);
    const res = await w.supervisor.api.post('/stockouts', { partId: part.id });
    expect(res.status).to.equal(201);
    return res.body.id as string;
  }

  const noteOf = (p: Push) => ((p.data as { stockout?: { note?: string } }).stockout?.note ?? null) as string | null;

  /**
   * A live wallboard, a seq held open by `holder`, and a stockout command committed behind it;
   * after `waitMs` nothing has passed the gap.
   */
  async function gapBehindHeldSeq(note: string, waitMs: number) {
    const board = await sockets.connect(url(), w.wallboard.token);
    const since = await goLive(t.current.product, board);
    const held = await holdSeq(note);
    const incident = await openStockout();
    // The command is committed and its NOTIFY sent, but its seq is behind the open gap.
    await sleep(waitMs);
    expect(outboxPushes(board.pushes), 'nothing passes the gap while it may still fill').to.deep.equal([]);
    return { board, since, held, incident };
  }

  it('a later seq is held back until the earlier one commits; then both arrive, in seq order', async () => {
    const { board, held, incident } = await gapBehindHeldSeq('held-then-committed', 500);
    expect(await caughtUpSeq(t.current.product)).to.equal(held - 1);

    await holder.query('COMMIT');
    await board.waitFor(isStockoutPush(incident));
    const pushes = outboxPushes(board.pushes);
    expect(seqs(pushes)).to.deep.equal([held, held + 1]);
    expect(noteOf(pushes[0]!)).to.equal('held-then-committed');
    expect((pushes[1]!.data as { stockout: { id: string } }).stockout.id).to.equal(incident);
  });

  it('a seq whose transaction rolls back is skipped once that transaction has ended', async () => {
    const { board, held, incident } = await gapBehindHeldSeq('rolled-back', 300);

    await holder.query('ROLLBACK');
    const arrived = await board.waitFor(isStockoutPush(incident), 5000);
    expect(arrived.seq).to.equal(held + 1);
    expect(outboxPushes(board.pushes).map(noteOf)).to.not.include('rolled-back');
    expect(await caughtUpSeq(t.current.product)).to.equal(held + 1);
  });

  it('sync during a gap replays only up to it; the rest follows live, once, in order', async () => {
    const { board, since, held, incident } = await gapBehindHeldSeq('gap-during-sync', 300);

    const late = await sockets.connect(url(), w.wallboard.token);
    const ack = await late.command('sync', { sinceSeq: since });
    expect(ack.ok).to.equal(true);
    expect(ack.ok && ack.data).to.deep.include({ replayed: 0, lastSeq: held - 1 });

    await holder.query('COMMIT');
    await late.waitFor(isStockoutPush(incident));
    await board.waitFor(isStockoutPush(incident));
    for (const s of [board, late]) expect(seqs(outboxPushes(s.pushes))).to.deep.equal([held, held + 1]);
  });
});

import { expect } from 'chai';
import pino from 'pino';
import { connectDatabase, type Database } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { readOutboxAfter, replayOutbox } from '../../src/repositories/outbox.repository.js';
import { createTestDatabase } from '../support/harness.js';

/**
 * The outbox is read in seq order — numerically. The reads select `seq::text`; ordering by the
 * output column would sort "100" before "99" and make a tailer skip back or lose rows whenever a
 * batch crosses a power of ten.
 */
describe('outbox reads across a power of ten in seq', function () {
  let database: Database;
  let drop: () => Promise<void>;

  before(async () => {
    const created = await createTestDatabase('outbox');
    drop = created.drop;
    database = connectDatabase(created.url, { max: 2, log: pino({ level: 'silent' }) });
    await runMigrations(database.pool);
    // seqs 95 … 104: the next nextval() is 95.
    await database.pool.query(`SELECT setval('outbox_events_seq', 94)`);
    for (let i = 0; i < 10; i++) {
      await database.pool.query(
        `INSERT INTO outbox_events (type, aggregate_type, aggregate_id, technician_ids, data)
         VALUES ('ticket.updated', 'ticket', gen_random_uuid(), '{}', jsonb_build_object('i', $1::int))`,
        [i],
      );
    }
  });

  after(async () => {
    await database.close();
    await drop();
  });

  it('readOutboxAfter returns 95 … 104 in numeric order, and a small batch stops at 99', async () => {
    const { rows: all } = await readOutboxAfter(database.db, 90, 500);
    expect(all.map((r) => r.seq)).to.deep.equal([95, 96, 97, 98, 99, 100, 101, 102, 103, 104]);
    expect(all.map((r) => r.data.i)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const { rows: firstFive } = await readOutboxAfter(database.db, 94, 5);
    expect(firstFive.map((r) => r.seq)).to.deep.equal([95, 96, 97, 98, 99]);
    const { rows: next } = await readOutboxAfter(database.db, 99, 5);
    expect(next.map((r) => r.seq)).to.deep.equal([100, 101, 102, 103, 104]);
  });

  it('replayOutbox returns the range in numeric order', async () => {
    const replay = await replayOutbox(database.db, { sinceSeq: 97, upToSeq: 102, technicianId: null, maxEvents: 100, maxAgeHours: 24 });
    expect(replay.kind).to.equal('events');
    expect(replay.kind === 'events' && replay.events.map((r) => r.seq)).to.deep.equal([98, 99, 100, 101, 102]);
  });
});

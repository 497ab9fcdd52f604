import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { ApiResponse } from '../support/api-client.js';
import { buildItem, buildPart, buildUser, loginAdmin, type TestUser } from '../support/factories.js';
import pino from 'pino';
import { connectDatabase } from '../../src/db/client.js';
import { OutboxTailer } from '../../src/realtime/outbox-tailer.js';
import { connectSql, useProductWithSql } from '../support/harness.js';

/**
 * The append-only logs refuse UPDATE, DELETE and TRUNCATE at the database (domain.md "Append-only"),
 * and the outbox's seq is taken at commit, so the product's tailer hands on every row once, in seq
 * order (test/realtime/outbox-gaps.test.ts makes the gaps it waits at on purpose).
 */

type Res = ApiResponse<any>;

interface PgError {
  code?: string;
  message?: string;
}

async function failure(run: Promise<unknown>): Promise<PgError> {
  try {
    await run;
  } catch (err) {
    return err as PgError;
  }
  throw new Error('expected the statement to fail');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('database-level guarantees: append-only logs and the outbox order', function () {
  this.timeout(120_000);
  const t = useProductWithSql();
  const { sql } = t;
  let admin: TestUser;
  let supervisor: TestUser;
  let technician: TestUser;


  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    technician = await buildUser(t.current, admin, 'TECHNICIAN');
  });

  describe('append-only tables', () => {
    const TABLES = ['ticket_transitions', 'work_session_transitions', 'sla_automation_events', 'sla_delivery_attempts'] as const;
    /** A column each table has, to write an UPDATE against. */
    const UPDATABLE: Record<(typeof TABLES)[number], string> = {
      ticket_transitions: `reason = 'rewritten history'`,
      work_session_transitions: `reason = 'rewritten history'`,
      sla_automation_events: `severity = 'WARNING', level = level + 1`,
      sla_delivery_attempts: `outcome = 'SUCCESS', error = NULL`,
    };
    const snapshot = async (table: string) => (await sql().query(`SELECT * FROM ${table} ORDER BY 1`)).rows;

    before(async () => {
      // Real log rows through the product: a ticket taken to IN_PROGRESS, a session paused and resumed.
      const part = await buildPart(admin);
      const item = await buildItem(supervisor);
      const ticket = (await supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'History' })).body;
      await supervisor.api.post(`/tickets/${ticket.id}/part-specs`, { partId: part.id });
      await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id });
      const started = await technician.api.post(`/tickets/${ticket.id}/start`);
      expect(started.status).to.equal(200);
      const sessionId = started.body.openSession.id as string;
      expect((await technician.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'BREAK' })).status).to.equal(200);
      expect((await technician.api.post(`/work-sessions/${sessionId}/resume`)).status).to.equal(200);

      // The SLA tables have no writer yet: their parent rows are inserted here (a rule of our own).
      const ruleKey = `TEST_RULE_${randomUUID().slice(0, 8)}`;
      await sql().query(`INSERT INTO sla_rules (key, subject, threshold_minutes) VALUES ($1, 'TICKET', 30)`, [ruleKey]);
      const events = await sql().query<{ id: string }>(
        `INSERT INTO sla_automation_events (rule_key, subject_type, subject_id, severity, level, measured_minutes, threshold_minutes, evaluated_at)
         VALUES ($1, 'TICKET', $2, 'BREACH', 1, 31.5, 30, now()), ($1, 'TICKET', $2, 'BREACH', 2, 95, 30, now())
         RETURNING id`,
        [ruleKey, ticket.id],
      );
      const target = await sql().query<{ id: string }>(
        `INSERT INTO delivery_targets (url, secret) VALUES ('https://example.invalid/hook', 'secret') RETURNING id`,
      );
      for (const event of events.rows) {
        await sql().query(
          `INSERT INTO sla_delivery_attempts (event_id, channel, target, target_id, attempt_no, outcome, http_status, error)
           VALUES ($1, 'WEBHOOK', 'https://example.invalid/hook', $2, 1, 'FAILED', 502, 'bad gateway'),
                  ($1, 'SOCKET', 'floor', NULL, 1, 'SUCCESS', NULL, NULL)`,
          [event.id, target.rows[0]!.id],
        );
      }
      for (const table of TABLES) {
        expect((await snapshot(table)).length, `${table} has rows to attack`).to.be.greaterThan(1);
      }
    });

    for (const table of TABLES) {
      it(`${table}: UPDATE is refused by the database (23001 restrict_violation) and nothing changes`, async () => {
        const before = await snapshot(table);
        const err = await failure(sql().query(`UPDATE ${table} SET ${UPDATABLE[table]}`));
        expect(err.code, err.message).to.equal('23001');
        expect(err.message).to.include(table).and.to.include('UPDATE');
        // One row, by primary key, inside an explicit transaction: still refused.
        await sql().query('BEGIN');
        const one = await failure(sql().query(`UPDATE ${table} SET ${UPDATABLE[table]} WHERE id = (SELECT id FROM ${table} ORDER BY id LIMIT 1)`));
        await sql().query('ROLLBACK');
        expect(one.code, one.message).to.equal('23001');
        expect(await snapshot(table)).to.deep.equal(before);
      });

      it(`${table}: DELETE is refused by the database and nothing changes`, async () => {
        const before = await snapshot(table);
        const err = await failure(sql().query(`DELETE FROM ${table}`));
        expect(err.code, err.message).to.equal('23001');
        expect(err.message).to.include(table).and.to.include('DELETE');
        const one = await failure(sql().query(`DELETE FROM ${table} WHERE id = (SELECT id FROM ${table} ORDER BY id DESC LIMIT 1)`));
        expect(one.code, one.message).to.equal('23001');
        expect(await snapshot(table)).to.deep.equal(before);
      });

      it(`${table}: TRUNCATE is refused by the database and nothing changes`, async () => {
        const before = await snapshot(table);
        // sla_delivery_attempts and sla_deliveries reference sla_automation_events: truncating the parent
        // needs its children in the same statement (else PostgreSQL refuses with 0A000 before any trigger runs).
        const statement =
          table === 'sla_automation_events'
            ? `TRUNCATE sla_automation_events, sla_delivery_attempts, sla_deliveries`
            : `TRUNCATE ${table}`;
        const err = await failure(sql().query(statement));
        expect(err.code, err.message).to.equal('23001');
        expect(err.message).to.include('TRUNCATE');
        const cascade = await failure(sql().query(`TRUNCATE ${table} CASCADE`));
        expect(cascade.code, cascade.message).to.equal('23001');
        expect(await snapshot(table)).to.deep.equal(before);
      });
    }

    it('sla_automation_events: its own TRUNCATE trigger refuses, not only its child’s', async () => {
      // Isolate the parent's trigger by disabling the child's (inside a transaction that is rolled back).
      await sql().query('BEGIN');
      try {
        await sql().query('ALTER TABLE sla_delivery_attempts DISABLE TRIGGER sla_delivery_attempts_no_truncate');
        const err = await failure(sql().query('TRUNCATE sla_automation_events, sla_delivery_attempts, sla_deliveries'));
        expect(err.code, err.message).to.equal('23001');
        expect(err.message).to.include('sla_automation_events');
      } finally {
        await sql().query('ROLLBACK');
      }
    });

    it('appending is still allowed', async () => {
      const { rows } = await sql().query<{ ticket_id: string }>(`SELECT ticket_id FROM ticket_transitions LIMIT 1`);
      const inserted = await sql().query(
        `INSERT INTO ticket_transitions (ticket_id, from_status, to_status, event, reason) VALUES ($1, 'IN_PROGRESS', 'IN_PROGRESS', 'NOTE', 'appended') RETURNING id`,
        [rows[0]!.ticket_id],
      );
      expect(inserted.rowCount).to.equal(1);
    });
  });

  describe('outbox seq', () => {
    const maxSeq = async (): Promise<number> =>
      Number((await sql().query(`SELECT coalesce(max(seq), 0)::text AS s FROM outbox_events`)).rows[0].s);
    const seqsAfter = async (after: number): Promise<{ seq: number; type: string; aggregate_id: string }[]> =>
      (
        await sql().query(`SELECT seq::int AS seq, type, aggregate_id::text FROM outbox_events WHERE seq > $1 ORDER BY seq`, [after])
      ).rows;

    it('a sequence of commands writes strictly increasing seqs, in the order the commands committed', async () => {
      const tech = await buildUser(t.current, admin, 'TECHNICIAN');
      const part = await buildPart(admin);
      const item = await buildItem(supervisor);
      let last = await maxSeq();
      const seen: number[] = [];
      /** Runs a command, then reads what it appended: new rows only, all after every earlier one. */
      const step = async (send: () => Promise<Res>, expected: string[]) => {
        const res = await send();
        expect(res.status, JSON.stringify(res.body)).to.be.oneOf([200, 201]);
        const rows = await seqsAfter(last);
        expect(rows.map((r) => r.type)).to.deep.equal(expected);
        for (const row of rows) {
          expect(row.seq).to.be.greaterThan(last);
          last = row.seq;
          seen.push(row.seq);
        }
        return res.body;
      };
      const ticket = await step(() => supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'Seq' }), ['ticket.updated']);
      await step(() => supervisor.api.post(`/tickets/${ticket.id}/part-specs`, { partId: part.id }), ['ticket.updated']);
      await step(() => supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: tech.id }), ['ticket.updated']);
      const started = await step(() => tech.api.post(`/tickets/${ticket.id}/start`), ['ticket.updated', 'session.updated']);
      const sessionId = started.openSession.id as string;
      await step(() => tech.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'BREAK' }), ['session.updated']);
      await step(() => tech.api.post(`/work-sessions/${sessionId}/resume`), ['session.updated']);
      const stockout = await step(() => tech.api.post('/stockouts', { partId: part.id, ticketId: ticket.id }), ['stockout.updated']);
      await step(() => supervisor.api.post(`/stockouts/${stockout.id}/resolve`, {}), ['stockout.updated']);
      // submit-qc stops the session first, then moves the ticket: both in one transaction, in that order.
      await step(() => tech.api.post(`/tickets/${ticket.id}/submit-qc`), ['session.updated', 'ticket.updated']);
      await step(() => supervisor.api.post(`/tickets/${ticket.id}/qc-pass`), ['ticket.updated']);

      expect(seen).to.have.length(12);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).to.be.greaterThan(seen[i - 1]!);
      // Nothing else ran meanwhile and nothing failed: consecutive numbers.
      expect(seen.at(-1)! - seen[0]! + 1).to.equal(seen.length);
      // The pushes of one aggregate follow its transition log.
      const ticketPushes = await sql().query(
        `SELECT data->'transition'->>'event' AS event FROM outbox_events WHERE aggregate_id = $1 ORDER BY seq`,
        [ticket.id],
      );
      const log = await sql().query(`SELECT event FROM ticket_transitions WHERE ticket_id = $1 ORDER BY id`, [ticket.id]);
      expect(ticketPushes.rows.map((r) => r.event)).to.deep.equal(log.rows.map((r) => r.event));
    });

    it('at the database: seq is assigned at commit, in commit order; writers never wait on each other before it; a rollback burns nothing', async () => {
      const insert = `INSERT INTO outbox_events (type, aggregate_type, aggregate_id, data) VALUES ('ticket.updated', 'ticket', $1, '{}') RETURNING id::int AS id, seq`;
      const first = await connectSql(t.current.databaseUrl);
      const second = await connectSql(t.current.databaseUrl);
      const probe = await connectSql(t.current.databaseUrl);
      try {
        const base = await maxSeq();
        await first.query('BEGIN');
        await second.query('BEGIN');
        const a = (await first.query(insert, [randomUUID()])).rows[0];
        const b = (await second.query(insert, [randomUUID()])).rows[0]; // does not wait for the first
        expect([a.seq, b.seq], 'no seq before commit').to.deep.equal([null, null]);
        expect((await probe.query(`SELECT count(*)::int AS n FROM outbox_events WHERE seq > $1`, [base])).rows[0].n).to.equal(0);
        // The second writer commits first: it gets the lower seq, because seq is taken at commit.
        await second.query('COMMIT');
        await first.query('COMMIT');
        const rows = (await probe.query(`SELECT id::int AS id, seq::int AS seq FROM outbox_events WHERE seq > $1 ORDER BY seq`, [base])).rows;
        expect(rows).to.deep.equal([
          { id: b.id, seq: base + 1 },
          { id: a.id, seq: base + 2 },
        ]);

        // A rolled-back writer never took a seq: the next commit continues without a hole.
        await first.query('BEGIN');
        await first.query(insert, [randomUUID()]);
        await first.query('ROLLBACK');
        await first.query('BEGIN');
        await first.query(insert, [randomUUID()]);
        await first.query('COMMIT');
        expect((await seqsAfter(base)).map((r) => r.seq)).to.deep.equal([base + 1, base + 2, base + 3]);
      } finally {
        await Promise.all([first.end(), second.end(), probe.end()]);
      }
    });

    /**
     * Runs `commands` concurrently while the product's own outbox tailer (a second one, on its own
     * pool) follows the outbox. Seqs are taken at commit without a lock, so under a burst rows can
     * become visible out of seq order (a reader tailing `seq > last` naively would skip some); the
     * tailer must still hand on every row once, in seq order.
     */
    async function tailDuring(commands: (() => Promise<Res>)[]) {
      const quiet = pino({ level: 'silent' });
      const database = connectDatabase(t.current.databaseUrl, { max: 2, log: quiet });
      const tailed: number[] = [];
      let batches = 0;
      const tailer = new OutboxTailer({ db: database.db, databaseUrl: t.current.databaseUrl, log: quiet, pollMs: 50 }, (rows) => {
        batches++;
        tailed.push(...rows.map((r) => r.seq));
      });
      const base = await maxSeq();
      await tailer.start();
      try {
        const responses = await Promise.all(commands.map((send) => send()));
        const all = (await seqsAfter(base)).map((r) => r.seq);
        for (let i = 0; i < 200 && tailed.length < all.length; i++) {
          await tailer.wake();
          await sleep(10);
        }
        return { responses, all, tailed, batches };
      } finally {
        await tailer.stop();
        await database.close();
      }
    }

    it('a burst of 60 concurrent successful commands: seqs unique, gap-free, and a tailing reader never skips one', async () => {
      const techs = await Promise.all(Array.from({ length: 10 }, () => buildUser(t.current, admin, 'TECHNICIAN')));
      const sessions: { tech: TestUser; sessionId: string }[] = [];
      for (const tech of techs) {
        const item = await buildItem(supervisor);
        const ticket = (await supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'Burst' })).body;
        await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: tech.id });
        const started = await tech.api.post(`/tickets/${ticket.id}/start`);
        sessions.push({ tech, sessionId: started.body.openSession.id });
      }
      const items = await Promise.all(Array.from({ length: 30 }, () => buildItem(supervisor)));
      const parts = await Promise.all(Array.from({ length: 20 }, () => buildPart(admin)));

      const commands: (() => Promise<Res>)[] = [
        ...items.map((item) => () => supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'burst' })),
        ...sessions.map(({ tech, sessionId }) => () => tech.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'OTHER' })),
        ...parts.map((part, i) => () => techs[i % techs.length]!.api.post('/stockouts', { partId: part.id })),
      ];
      expect(commands).to.have.length(60);
      const { responses, all, tailed, batches } = await tailDuring(commands);

      expect(responses.map((r) => r.status).filter((s) => s >= 300), 'every command succeeds').to.deep.equal([]);
      expect(all, 'one outbox row per successful command').to.have.length(60);
      expect(new Set(all).size).to.equal(all.length);
      expect(all.at(-1)! - all[0]! + 1, 'no holes after a burst of successful commands').to.equal(all.length);
      expect(tailed, 'the tailer handed on every row, once, in seq order').to.deep.equal(all);
      expect(batches, 'it tailed during the burst, not only at the end').to.be.greaterThan(1);
    });

    it('a burst mixing refused commands: refusals leave no row; order and the tail stay intact (holes would only be burned seqs)', async () => {
      const items = await Promise.all(Array.from({ length: 4 }, () => buildItem(supervisor)));
      const parts = await Promise.all(Array.from({ length: 4 }, () => buildPart(admin)));
      const commands: (() => Promise<Res>)[] = [
        ...Array.from({ length: 32 }, (_, i) => () => supervisor.api.post('/tickets', { inventoryItemId: items[i % 4]!.id, title: `r${i}` })),
        ...Array.from({ length: 32 }, (_, i) => () => supervisor.api.post('/stockouts', { partId: parts[i % 4]!.id })),
      ];
      const { responses, all, tailed } = await tailDuring(commands);

      const created = responses.filter((r) => r.status === 201).length;
      expect(created).to.equal(8);
      expect(responses.filter((r) => r.status === 409).length).to.equal(56);
      expect(all, 'one row per success, none for the 56 refusals').to.have.length(8);
      expect(new Set(all).size).to.equal(8);
      expect(tailed).to.deep.equal(all);
      // In this product the refusals fail before writing the outbox, so no seq is burned either.
      expect(all.at(-1)! - all[0]! + 1, 'refused commands burned no seq').to.equal(all.length);
    });
  });
});

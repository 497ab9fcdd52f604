import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type pg from 'pg';
import { cleanUpRetention, refreshStockoutOverlap } from '../../src/jobs/maintenance.js';
import { buildItem, buildUser, expectError, loginAdmin, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import {
  advanceMinutes,
  cancelQuietly,
  connectDb,
  evaluate,
  ok,
  openStockout,
  parts,
  resolveStockout,
  SLA_TEST_ENV,
  ticketWithParts,
} from '../support/sla.js';

/**
 * The maintenance jobs (issue 4, Build 1): `stockout:overlap` recomputes the stockout overlap of tickets
 * (minutes) and work sessions (seconds) from the incidents of the ticket's active-spec parts,
 * overlapping incidents once; retention deletes expired idempotency records and old outbox rows.
 */
describe('maintenance jobs: stockout:overlap and retention', function () {
  this.timeout(60_000);
  const t = useProduct({ manualClock: true, env: SLA_TEST_ENV });
  let admin: TestUser;
  let supervisor: TestUser;
  let db: pg.Client;

  const deps = () => t.current.product.deps;
  const ticketOverlap = async (id: string) =>
    (await db.query(`SELECT stockout_overlap_minutes::text AS v FROM tickets WHERE id = $1`, [id])).rows[0].v as string;
  const sessionOverlap = async (id: string) =>
    (await db.query(`SELECT stockout_overlap_seconds::text AS v FROM work_sessions WHERE id = $1`, [id])).rows[0].v as string;

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    db = await connectDb(t.current.databaseUrl);
  });
  after(async () => {
    await db?.end().catch(() => undefined);
  });

  describe('refreshStockoutOverlap', () => {
    it('a ticket: the union of its active-spec parts’ incidents up to now, recomputed (down as well as up)', async () => {
      const [p1, p2, q, n] = await parts(admin, 4);
      const a = await ticketWithParts(supervisor, [p1!, p2!]);
      const quiet = await ticketWithParts(supervisor, [n!]);
      advanceMinutes(t, 10);
      const i1 = await openStockout(supervisor, p1!.id); // [10, 25)
      advanceMinutes(t, 10);
      const i2 = await openStockout(supervisor, p2!.id); // [20, open)
      advanceMinutes(t, 5);
      await resolveStockout(supervisor, i1.id);
      advanceMinutes(t, 5);
      const other = await openStockout(supervisor, q!.id); // [30, 40): nobody's spec
      advanceMinutes(t, 10);
      await resolveStockout(supervisor, other.id);
      advanceMinutes(t, 20);

      expect(await refreshStockoutOverlap(deps())).to.deep.equal({ tickets: 1, sessions: 0 });
      expect(await ticketOverlap(a.id), '[10, 25) ∪ [20, 60)').to.equal('50.000');
      expect(await ticketOverlap(quiet.id)).to.equal('0.000');
      expect(await refreshStockoutOverlap(deps()), 'nothing changed: nothing written').to.deep.equal({ tickets: 0, sessions: 0 });
      expect(await ticketOverlap(a.id), 'recomputed, not accumulated').to.equal('50.000');

      advanceMinutes(t, 10.5);
      await refreshStockoutOverlap(deps());
      expect(await ticketOverlap(a.id), 'the open incident keeps counting').to.equal('60.500');
      await resolveStockout(supervisor, i2.id);
      advanceMinutes(t, 30);
      await refreshStockoutOverlap(deps());
      expect(await ticketOverlap(a.id), 'resolved at 70.5').to.equal('60.500');

      const specP2 = a.specs[1];
      expect(specP2.partId).to.equal(p2!.id);
      ok(await supervisor.api.delete(`/tickets/${a.id}/part-specs/${specP2.id}`), 200, 'deactivate');
      await refreshStockoutOverlap(deps());
      expect(await ticketOverlap(a.id), 'p2 is no longer an active spec: only [10, 25)').to.equal('15.000');
      await cancelQuietly(supervisor, a.id, quiet.id);
    });

    it('work sessions count their own span; a DONE ticket is clipped at done_at', async () => {
      const technician = await buildUser(t.current, admin, 'TECHNICIAN');
      const [s] = await parts(admin, 1);
      const ticket = await ticketWithParts(supervisor, [s!]);
      ok(await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }), 200, 'assign');
      const started = ok(await technician.api.post(`/tickets/${ticket.id}/start`), 200, 'start');
      const first = started.openSession.id as string; // [0, 20)
      advanceMinutes(t, 5);
      const i1 = await openStockout(technician, s!.id); // [5, 15)
      advanceMinutes(t, 10);
      await resolveStockout(supervisor, i1.id);
      advanceMinutes(t, 5);
      ok(await technician.api.post(`/work-sessions/${first}/stop`), 200, 'stop');
      advanceMinutes(t, 5);
      const i2 = await openStockout(technician, s!.id); // [25, 35)
      advanceMinutes(t, 5);
      const second = ok(await technician.api.post('/work-sessions', { ticketId: ticket.id }), 201, 'session 2').id as string; // [30, 40)
      advanceMinutes(t, 5);
      await resolveStockout(supervisor, i2.id);
      advanceMinutes(t, 5);
      ok(await technician.api.post(`/tickets/${ticket.id}/submit-qc`), 200, 'submit-qc');
      advanceMinutes(t, 5);
      ok(await supervisor.api.post(`/tickets/${ticket.id}/qc-pass`), 200, 'qc-pass'); // DONE at 45
      advanceMinutes(t, 5);
      const i3 = await openStockout(supervisor, s!.id); // [50, open): after DONE
      advanceMinutes(t, 20);

      await refreshStockoutOverlap(deps());
      expect(await sessionOverlap(first), 'session [0, 20) ∩ [5, 15)').to.equal('600.000');
      expect(await sessionOverlap(second), 'session [30, 40) ∩ [25, 35)').to.equal('300.000');
      expect(await ticketOverlap(ticket.id), 'ticket [0, 45): [5, 15) ∪ [25, 35)').to.equal('20.000');
      await resolveStockout(supervisor, i3.id);
    });
  });

  describe('cleanUpRetention', () => {
    it('deletes idempotency records past their expiry and outbox rows past the replay bound (24 h), nothing else', async () => {
      // Two idempotent commands.
      const [k1, k2] = [randomUUID(), randomUUID()];
      for (const key of [k1, k2]) {
        ok(await supervisor.api.post('/inventory-items', { serial: `SN-${key}`, model: 'Retention' }, { 'Idempotency-Key': key }), 201, 'item');
      }
      await db.query(`UPDATE idempotency_records SET expires_at = now() - interval '1 minute' WHERE key = $1`, [k1]);

      // Two outbox rows made old: one past the 24 h bound, one inside it.
      const seqs = (await db.query(`SELECT seq::text FROM outbox_events ORDER BY seq LIMIT 2`)).rows.map((r) => r.seq as string);
      await db.query(`UPDATE outbox_events SET created_at = now() - interval '25 hours' WHERE seq = $1`, [seqs[0]]);
      await db.query(`UPDATE outbox_events SET created_at = now() - interval '23 hours' WHERE seq = $1`, [seqs[1]]);

      // Cooldown rows: one stale for more than 7 days, the others current (DB time).
      const ticket = await ticketWithParts(supervisor, []);
      advanceMinutes(t, 60);
      await evaluate(admin);
      await db.query(`UPDATE sla_cooldowns SET until = now() + interval '1 hour'`);
      const cooldownsBefore = Number((await db.query(`SELECT count(*) AS n FROM sla_cooldowns`)).rows[0].n);
      expect(cooldownsBefore).to.be.greaterThan(0);
      await db.query(`UPDATE sla_cooldowns SET until = now() - interval '8 days' WHERE subject_id = $1`, [ticket.id]);
      const stale = Number((await db.query(`SELECT count(*) AS n FROM sla_cooldowns WHERE subject_id = $1`, [ticket.id])).rows[0].n);
      expect(stale, 'the ticket’s UNDER_REVIEW BREACH cooldown').to.equal(1);
      const outboxBefore = Number((await db.query(`SELECT count(*) AS n FROM outbox_events`)).rows[0].n);

      expect(await cleanUpRetention(deps())).to.deep.equal({ idempotency: 1, outbox: 1, cooldowns: stale });

      const keys = (await db.query(`SELECT key FROM idempotency_records WHERE key = ANY($1::text[])`, [[k1, k2]])).rows.map((r) => r.key);
      expect(keys).to.deep.equal([k2]);
      const remaining = (await db.query(`SELECT seq::text FROM outbox_events WHERE seq = ANY($1::bigint[])`, [seqs])).rows.map((r) => r.seq);
      expect(remaining).to.deep.equal([seqs[1]]);
      expect(Number((await db.query(`SELECT count(*) AS n FROM outbox_events`)).rows[0].n)).to.equal(outboxBefore - 1);
      expect(Number((await db.query(`SELECT count(*) AS n FROM sla_cooldowns`)).rows[0].n)).to.equal(cooldownsBefore - stale);

      // The expired key is free again; the live one still guards its first request.
      ok(await supervisor.api.post('/inventory-items', { serial: `SN-${k1}-again`, model: 'Retention' }, { 'Idempotency-Key': k1 }), 201, 'k1 reused');
      expectError(
        await supervisor.api.post('/inventory-items', { serial: `SN-${k2}-other`, model: 'Retention' }, { 'Idempotency-Key': k2 }),
        422,
        'IDEMPOTENCY_MISMATCH',
      );
      expect(await cleanUpRetention(deps())).to.deep.equal({ idempotency: 0, outbox: 0, cooldowns: 0 });
      await cancelQuietly(supervisor, ticket.id);
    });
  });
});

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import pg from 'pg';
import type { ApiResponse } from '../support/api-client.js';
import { buildItem, buildPart, buildUser, expectError, loginAdmin, type TestUser } from '../support/factories.js';
import { connectSql, useProductWithSql } from '../support/harness.js';
import { CreateTicketInput, createTicket } from '../../src/commands/create-ticket.command.js';
import { fingerprintOf } from '../../src/commands/run-command.js';

/**
 * Idempotency-Key on REST commands (api.md: "the same key and body within 24 h returns the first
 * response and changes nothing"). Documented decision (run-command.ts): only successes are stored;
 * a failed command releases its key. Effects are checked directly in the database.
 */

type Res = ApiResponse<any>;

const key = (): string => `key-${randomUUID()}`;

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Product connections of this database waiting for a lock. */
async function lockWaiters(client: pg.Client): Promise<number> {
  const { rows } = await client.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'benchline'`,
  );
  return rows[0].n as number;
}
const withKey = (k: string): Record<string, string> => ({ 'Idempotency-Key': k });

describe('idempotency keys on REST commands', function () {
  this.timeout(60_000);
  const t = useProductWithSql();
  const { sql } = t;
  let admin: TestUser;
  let supervisor: TestUser;
  let supervisor2: TestUser;
  let technician: TestUser;
  let technician2: TestUser;


  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    supervisor2 = await buildUser(t.current, admin, 'SUPERVISOR');
    technician = await buildUser(t.current, admin, 'TECHNICIAN');
    technician2 = await buildUser(t.current, admin, 'TECHNICIAN');
  });

  /** Everything a command on one ticket can leave behind. */
  async function ticketEffects(ticketId: string) {
    const { rows } = await sql().query(
      `SELECT t.status, t.version, t.technician_id,
              (SELECT count(*)::int FROM ticket_transitions x WHERE x.ticket_id = t.id) AS transitions,
              (SELECT count(*)::int FROM outbox_events o WHERE o.aggregate_id = t.id) AS outbox,
              (SELECT count(*)::int FROM work_sessions s WHERE s.ticket_id = t.id) AS sessions,
              (SELECT count(*)::int FROM work_session_transitions w JOIN work_sessions s ON s.id = w.session_id WHERE s.ticket_id = t.id) AS session_transitions,
              (SELECT count(*)::int FROM ticket_part_specs p WHERE p.ticket_id = t.id) AS specs
       FROM tickets t WHERE t.id = $1`,
      [ticketId],
    );
    return rows[0] as {
      status: string;
      version: number;
      technician_id: string | null;
      transitions: number;
      outbox: number;
      sessions: number;
      session_transitions: number;
      specs: number;
    };
  }

  async function newTicket(): Promise<any> {
    const item = await buildItem(supervisor);
    const res = await supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'Idempotent' });
    expect(res.status).to.equal(201);
    return res.body;
  }

  /** A technician of their own per test: no ticket in progress left over from another test. */
  const freshTechnician = (): Promise<TestUser> => buildUser(t.current, admin, 'TECHNICIAN');

  async function assignedTicket(tech: TestUser): Promise<any> {
    const ticket = await newTicket();
    const res = await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: tech.id });
    expect(res.status).to.equal(200);
    return res.body;
  }

  async function record(actorId: string, k: string) {
    const { rows } = await sql().query(
      `SELECT state, response_status, expires_at > now() + interval '23 hours' AS lives_a_day FROM idempotency_records WHERE actor_id = $1 AND key = $2`,
      [actorId, k],
    );
    return rows[0] as { state: string; response_status: number | null; lives_a_day: boolean } | undefined;
  }

  /** Runs `fn` while another connection holds the ticket's row lock (`locker.query('COMMIT')` lets go early). */
  async function withTicketLocked(ticketId: string, fn: (locker: pg.Client) => Promise<void>): Promise<void> {
    const locker = await connectSql(t.current.databaseUrl);
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM tickets WHERE id = $1 FOR UPDATE', [ticketId]);
      await fn(locker);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  }

  describe('sequential duplicates', () => {
    it('POST /tickets/:id/start twice with one key: the same 200 body, Idempotent-Replayed: true, one effect', async () => {
      const technician = await freshTechnician();
      const ticket = await assignedTicket(technician);
      const k = key();
      const first = await technician.api.post(`/tickets/${ticket.id}/start`, undefined, withKey(k));
      expect(first.status, JSON.stringify(first.body)).to.equal(200);
      expect(first.headers.get('idempotent-replayed')).to.equal(null);
      const effectsAfterFirst = await ticketEffects(ticket.id);

      // A second start would be INVALID_TRANSITION if it ran again; a replay returns the first answer.
      const second = await technician.api.post(`/tickets/${ticket.id}/start`, undefined, withKey(k));
      expect(second.status).to.equal(200);
      expect(second.headers.get('idempotent-replayed')).to.equal('true');
      expect(second.body).to.deep.equal(first.body);
      const third = await technician.api.post(`/tickets/${ticket.id}/start`, undefined, withKey(k));
      expect(third.body).to.deep.equal(first.body);

      const effects = await ticketEffects(ticket.id);
      expect(effects).to.deep.equal(effectsAfterFirst);
      // CREATE, ASSIGN, START: version bumped once by the start; one session, one START in its log.
      expect(effects).to.include({ status: 'IN_PROGRESS', version: 3, transitions: 3, sessions: 1, session_transitions: 1 });
      // Outbox: CREATE + ASSIGN + START (ticket.updated) + session START (session.updated on the session id).
      const outbox = await sql().query(
        `SELECT type, aggregate_type FROM outbox_events WHERE aggregate_id = $1 OR aggregate_id = $2 ORDER BY seq`,
        [ticket.id, first.body.openSession.id],
      );
      expect(outbox.rows.map((r) => `${r.aggregate_type}:${r.type}`)).to.deep.equal([
        'ticket:ticket.updated',
        'ticket:ticket.updated',
        'ticket:ticket.updated',
        'work_session:session.updated',
      ]);
      const logged = await sql().query(`SELECT event FROM ticket_transitions WHERE command_id = $1`, [k]);
      expect(logged.rows).to.deep.equal([{ event: 'START' }]);
      expect(await record(technician.id, k)).to.deep.equal({ state: 'DONE', response_status: 200, lives_a_day: true });
    });

    it('POST /tickets twice with one key: the same 201 ticket, one row, one CREATE, one outbox row', async () => {
      const item = await buildItem(supervisor);
      const k = key();
      const body = { inventoryItemId: item.id, title: 'Once only', priority: 'HIGH' };
      const first = await supervisor.api.post('/tickets', body, withKey(k));
      expect(first.status).to.equal(201);
      const second = await supervisor.api.post('/tickets', body, withKey(k));
      expect(second.status).to.equal(201);
      expect(second.headers.get('idempotent-replayed')).to.equal('true');
      expect(second.body).to.deep.equal(first.body);
      // Same request with the keys of the JSON body in another order: same fingerprint, replayed.
      const reordered = await supervisor.api.post('/tickets', { priority: 'HIGH', title: 'Once only', inventoryItemId: item.id }, withKey(k));
      expect(reordered.status).to.equal(201);
      expect(reordered.body).to.deep.equal(first.body);

      const { rows } = await sql().query(`SELECT id::text FROM tickets WHERE inventory_item_id = $1`, [item.id]);
      expect(rows).to.deep.equal([{ id: first.body.id }]);
      expect(await ticketEffects(first.body.id)).to.include({ version: 1, transitions: 1, outbox: 1 });
    });
  });

  describe('same key, different request', () => {
    it('422 IDEMPOTENCY_MISMATCH and nothing changes; the original still replays', async () => {
      const ticket = await newTicket();
      const k = key();
      const first = await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }, withKey(k));
      expect(first.status).to.equal(200);
      const before = await ticketEffects(ticket.id);
      const recordBefore = await sql().query(`SELECT * FROM idempotency_records WHERE actor_id = $1 AND key = $2`, [supervisor.id, k]);

      const otherBody = await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician2.id }, withKey(k));
      expectError(otherBody, 422, 'IDEMPOTENCY_MISMATCH');
      const otherCommand = await supervisor.api.post(`/tickets/${ticket.id}/cancel`, { reason: 'duplicate' }, withKey(k));
      expectError(otherCommand, 422, 'IDEMPOTENCY_MISMATCH');
      const otherTicket = await newTicket();
      const otherPath = await supervisor.api.post(`/tickets/${otherTicket.id}/assign`, { technicianId: technician.id }, withKey(k));
      expectError(otherPath, 422, 'IDEMPOTENCY_MISMATCH');

      expect(await ticketEffects(ticket.id)).to.deep.equal(before);
      expect(before).to.include({ status: 'ASSIGNED', technician_id: technician.id, version: 2 });
      expect(await ticketEffects(otherTicket.id)).to.include({ status: 'UNDER_REVIEW', version: 1, transitions: 1 });
      const recordAfter = await sql().query(`SELECT * FROM idempotency_records WHERE actor_id = $1 AND key = $2`, [supervisor.id, k]);
      expect(recordAfter.rows).to.deep.equal(recordBefore.rows);

      const replay = await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }, withKey(k));
      expect(replay.status).to.equal(200);
      expect(replay.headers.get('idempotent-replayed')).to.equal('true');
      expect(replay.body).to.deep.equal(first.body);
    });
  });

  describe('keys are per user', () => {
    it('two users sending the same key run their own commands; neither sees the other’s response', async () => {
      const k = key();
      const [itemA, itemB] = [await buildItem(supervisor), await buildItem(supervisor)];
      const a = await supervisor.api.post('/tickets', { inventoryItemId: itemA.id, title: 'A' }, withKey(k));
      const b = await supervisor2.api.post('/tickets', { inventoryItemId: itemB.id, title: 'B' }, withKey(k));
      expect([a.status, b.status]).to.deep.equal([201, 201]);
      expect(b.headers.get('idempotent-replayed')).to.equal(null);
      expect(b.body).to.include({ inventoryItemId: itemB.id, title: 'B' });
      expect(b.body.id).to.not.equal(a.body.id);

      // Same key AND same body as supervisor A: B's request is not a replay of A's; it runs and meets the invariant.
      const k2 = key();
      const body = { inventoryItemId: (await buildItem(supervisor)).id, title: 'shared' };
      const a2 = await supervisor.api.post('/tickets', body, withKey(k2));
      expect(a2.status).to.equal(201);
      const b2 = await supervisor2.api.post('/tickets', body, withKey(k2));
      expectError(b2, 409, 'CONFLICT');
      expect(b2.body.error.details.invariant).to.equal('ONE_ACTIVE_TICKET_PER_ITEM');
      expect(b2.headers.get('idempotent-replayed')).to.equal(null);

      // Two technicians, one key, each pausing their own session: two effects.
      const k3 = key();
      const [technician, technician2] = [await freshTechnician(), await freshTechnician()];
      const [t1, t2] = [await assignedTicket(technician), await assignedTicket(technician2)];
      const s1 = (await technician.api.post(`/tickets/${t1.id}/start`)).body.openSession.id as string;
      const s2 = (await technician2.api.post(`/tickets/${t2.id}/start`)).body.openSession.id as string;
      const p1 = await technician.api.post(`/work-sessions/${s1}/pause`, { reason: 'BREAK' }, withKey(k3));
      const p2 = await technician2.api.post(`/work-sessions/${s2}/pause`, { reason: 'BREAK' }, withKey(k3));
      expect([p1.status, p2.status]).to.deep.equal([200, 200]);
      expect([p1.body.id, p2.body.id]).to.deep.equal([s1, s2]);
      const paused = await sql().query(`SELECT session_id::text FROM work_session_transitions WHERE command_id = $1 ORDER BY id`, [k3]);
      expect(paused.rows.map((r) => r.session_id)).to.deep.equal([s1, s2]);
      const records = await sql().query(`SELECT actor_id::text FROM idempotency_records WHERE key = $1 ORDER BY actor_id`, [k3]);
      expect(records.rows.map((r) => r.actor_id)).to.deep.equal([technician.id, technician2.id].sort());
    });
  });

  describe('concurrent duplicates', () => {
    /** Duplicates wait for the run in flight and replay its response: every answer is that success. */
    function expectOneOutcome(responses: Res[], successStatus: number): { original: Res; winners: Res[] } {
      const winners = responses.filter((r) => r.status === successStatus);
      expect(
        responses.map((r) => [r.status, r.body?.error?.code ?? 'ok']),
        'every duplicate gets the success',
      ).to.deep.equal(responses.map(() => [successStatus, 'ok']));
      const originals = winners.filter((r) => r.headers.get('idempotent-replayed') !== 'true');
      expect(originals, 'exactly one response ran the command').to.have.length(1);
      for (const r of winners) expect(r.body).to.deep.equal(originals[0]!.body);
      return { original: originals[0]!, winners };
    }

    it('20 simultaneous POST /tickets with one key and body: one ticket; every answer is that 201', async () => {
      const item = await buildItem(supervisor);
      const k = key();
      const body = { inventoryItemId: item.id, title: 'Only once', description: 'concurrent duplicates' };
      const responses = await Promise.all(Array.from({ length: 20 }, () => supervisor.api.post('/tickets', body, withKey(k))));

      const { original } = expectOneOutcome(responses, 201);
      const { rows } = await sql().query(`SELECT id::text FROM tickets WHERE inventory_item_id = $1`, [item.id]);
      expect(rows).to.deep.equal([{ id: original.body.id }]);
      expect(await ticketEffects(original.body.id)).to.include({ version: 1, transitions: 1, outbox: 1 });
      // Once settled, the key replays the stored response.
      const later = await supervisor.api.post('/tickets', body, withKey(k));
      expect(later.status).to.equal(201);
      expect(later.headers.get('idempotent-replayed')).to.equal('true');
      expect(later.body).to.deep.equal(original.body);
    });

    it('20 simultaneous POST /tickets/:id/start with one key: one START, one session', async () => {
      const technician = await freshTechnician();
      const ticket = await assignedTicket(technician);
      const k = key();
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => technician.api.post(`/tickets/${ticket.id}/start`, undefined, withKey(k))),
      );
      const { original } = expectOneOutcome(responses, 200);
      expect(original.body).to.include({ status: 'IN_PROGRESS', version: 3 });
      expect(await ticketEffects(ticket.id)).to.include({
        status: 'IN_PROGRESS',
        version: 3,
        transitions: 3,
        outbox: 3,
        sessions: 1,
        session_transitions: 1,
      });
    });

    it('20 simultaneous requests with one key but two different bodies: one effect; the same body replays, the other is 422 mismatch', async () => {
      const [itemA, itemB] = [await buildItem(supervisor), await buildItem(supervisor)];
      const k = key();
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          supervisor.api.post('/tickets', { inventoryItemId: i % 2 ? itemB.id : itemA.id, title: 'either' }, withKey(k)),
        ),
      );
      expect(responses.filter((r) => r.status >= 500), 'no 5xx').to.deep.equal([]);
      const created = responses.filter((r) => r.status === 201);
      const originals = created.filter((r) => r.headers.get('idempotent-replayed') !== 'true');
      expect(originals).to.have.length(1);
      const winnerItem = originals[0]!.body.inventoryItemId as string;
      for (const [i, r] of responses.entries()) {
        const sameBody = (i % 2 ? itemB.id : itemA.id) === winnerItem;
        if (r.status === 201) {
          expect(sameBody, 'only the winning body gets the 201').to.equal(true);
          expect(r.body).to.deep.equal(originals[0]!.body);
        } else if (r.status === 422) {
          expect(sameBody, 'only the other body is a mismatch').to.equal(false);
          expect(r.body.error.code).to.equal('IDEMPOTENCY_MISMATCH');
        } else {
          expect.fail(`unexpected ${r.status} ${JSON.stringify(r.body)}`);
        }
      }
      const { rows } = await sql().query(
        `SELECT inventory_item_id::text AS item FROM tickets WHERE inventory_item_id = ANY($1::uuid[])`,
        [[itemA.id, itemB.id]],
      );
      expect(rows).to.deep.equal([{ item: winnerItem }]);
    });
  });

  describe('failures do not burn the key (only successes are stored)', () => {
    it('409 INVALID_TRANSITION releases the key; after fixing the state the same key and body succeed', async () => {
      const technician = await freshTechnician();
      const ticket = await newTicket();
      const k = key();
      const refused = await supervisor.api.post(`/tickets/${ticket.id}/start`, undefined, withKey(k));
      expectError(refused, 409, 'INVALID_TRANSITION');
      expect(await record(supervisor.id, k), 'no record kept for a failure').to.equal(undefined);
      expect(await ticketEffects(ticket.id)).to.include({ status: 'UNDER_REVIEW', version: 1, transitions: 1, outbox: 1, sessions: 0 });
      // Still refused (the failure was not stored and replayed: it ran again and failed again).
      const refusedAgain = await supervisor.api.post(`/tickets/${ticket.id}/start`, undefined, withKey(k));
      expectError(refusedAgain, 409, 'INVALID_TRANSITION');
      expect(refusedAgain.headers.get('idempotent-replayed')).to.equal(null);

      const assigned = await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id });
      expect(assigned.status).to.equal(200);
      const started = await supervisor.api.post(`/tickets/${ticket.id}/start`, undefined, withKey(k));
      expect(started.status, JSON.stringify(started.body)).to.equal(200);
      expect(started.headers.get('idempotent-replayed')).to.equal(null);
      expect(started.body).to.include({ status: 'IN_PROGRESS', version: 3 });
      const replay = await supervisor.api.post(`/tickets/${ticket.id}/start`, undefined, withKey(k));
      expect(replay.headers.get('idempotent-replayed')).to.equal('true');
      expect(replay.body).to.deep.equal(started.body);
      expect(await record(supervisor.id, k)).to.include({ state: 'DONE', response_status: 200 });
      expect(await ticketEffects(ticket.id)).to.include({ version: 3, transitions: 3, sessions: 1 });
    });

    it('a CONFLICT on an invariant releases the key too', async () => {
      const part = await buildPart(admin);
      const opened = await supervisor2.api.post('/stockouts', { partId: part.id });
      expect(opened.status).to.equal(201);
      const k = key();
      const technician = await freshTechnician();
      const refused = await technician.api.post('/stockouts', { partId: part.id }, withKey(k));
      expectError(refused, 409, 'CONFLICT');
      expect(refused.body.error.details.invariant).to.equal('ONE_OPEN_STOCKOUT_PER_PART');
      expect(await record(technician.id, k)).to.equal(undefined);
      const resolved = await supervisor2.api.post(`/stockouts/${opened.body.id}/resolve`, {});
      expect(resolved.status).to.equal(200);
      const reopened = await technician.api.post('/stockouts', { partId: part.id }, withKey(k));
      expect(reopened.status).to.equal(201);
      expect(reopened.headers.get('idempotent-replayed')).to.equal(null);
      expect(reopened.body).to.include({ partId: part.id, status: 'OPEN', reportedBy: technician.id });
    });
  });

  describe('claims in progress', () => {
    it('a PENDING record left behind by an older version (its process died) is taken over at once', async () => {
      const item = await buildItem(supervisor);
      const k = key();
      const body = { inventoryItemId: item.id, title: 'After a crash' };
      const fingerprint = fingerprintOf(createTicket.name, CreateTicketInput.parse(body));
      await sql().query(
        `INSERT INTO idempotency_records (actor_id, key, fingerprint, state, expires_at) VALUES ($1, $2, $3, 'PENDING', now() + interval '1 day')`,
        [supervisor.id, k, fingerprint],
      );
      const taken = await supervisor.api.post('/tickets', body, withKey(k));
      expect(taken.status, JSON.stringify(taken.body)).to.equal(201);
      expect(taken.headers.get('idempotent-replayed')).to.equal(null);
      expect(await record(supervisor.id, k)).to.include({ state: 'DONE', response_status: 201 });
      const replay = await supervisor.api.post('/tickets', body, withKey(k));
      expect(replay.headers.get('idempotent-replayed')).to.equal('true');
      expect(replay.body).to.deep.equal(taken.body);
      const { rows } = await sql().query(`SELECT count(*)::int AS n FROM tickets WHERE inventory_item_id = $1`, [item.id]);
      expect(rows[0].n).to.equal(1);
    });

    it('nothing of a claim is visible before its command commits: a reader sees no record while the first run waits', async () => {
      const technician = await freshTechnician();
      const ticket = await assignedTicket(technician);
      const k = key();
      await withTicketLocked(ticket.id, async (locker) => {
        const first = supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }, withKey(k));
        await waitFor(async () => (await lockWaiters(sql())) >= 1, 'the first request waits for the ticket lock');
        expect(await record(supervisor.id, k), 'the claim is not committed yet').to.equal(undefined);
        await locker.query('COMMIT');
        expect((await first).status).to.equal(200);
        expect(await record(supervisor.id, k)).to.include({ state: 'DONE', response_status: 200 });
      });
    });

    it('a retry sent while the first request is still running waits for it and replays its response: one effect', async () => {
      // api.md: the same key and body "returns the first response and changes nothing". The retry's
      // claim waits on the first one's uncommitted record, so however slow the first run is, the
      // retry never runs the command a second time.
      const technician = await freshTechnician();
      const ticket = await assignedTicket(technician); // ASSIGNED, version 2; ASSIGN is allowed again
      const k = key();
      const body = { technicianId: technician.id };
      await withTicketLocked(ticket.id, async (locker) => {
        const first = supervisor.api.post(`/tickets/${ticket.id}/assign`, body, withKey(k));
        await waitFor(async () => (await lockWaiters(sql())) >= 1, 'the first request waits for the ticket lock');
        const retry = supervisor.api.post(`/tickets/${ticket.id}/assign`, body, withKey(k));
        await waitFor(async () => (await lockWaiters(sql())) >= 2, 'the retry waits for the first one’s claim');
        await locker.query('COMMIT');
        const [firstRes, retryRes] = await Promise.all([first, retry]);
        expect(firstRes.status, JSON.stringify(firstRes.body)).to.equal(200);
        expect(firstRes.headers.get('idempotent-replayed')).to.equal(null);
        expect(retryRes.status, JSON.stringify(retryRes.body)).to.equal(200);
        expect(retryRes.headers.get('idempotent-replayed')).to.equal('true');
        expect(retryRes.body).to.deep.equal(firstRes.body);

        const assigns = await sql().query(
          `SELECT id::text FROM ticket_transitions WHERE ticket_id = $1 AND event = 'ASSIGN' AND command_id = $2`,
          [ticket.id, k],
        );
        const effects = await ticketEffects(ticket.id);
        expect({ assignsWithThisKey: assigns.rows.length, version: effects.version }, 'one effect for one key').to.deep.equal({
          assignsWithThisKey: 1,
          version: 3,
        });
      });
    });

    it('a retry waiting on a first request that fails runs the command itself', async () => {
      const technician = await freshTechnician();
      const ticket = await assignedTicket(technician);
      const k = key();
      await withTicketLocked(ticket.id, async (locker) => {
        // The first run expects version 2, the retry does not: once the locker bumps the version,
        // the first fails STALE_VERSION and frees the key for the retry.
        const first = supervisor.api.post(`/tickets/${ticket.id}/start`, { expectedVersion: 2 }, withKey(k));
        await waitFor(async () => (await lockWaiters(sql())) >= 1, 'the first request waits for the ticket lock');
        const retry = supervisor.api.post(`/tickets/${ticket.id}/start`, {}, withKey(k));
        await waitFor(async () => (await lockWaiters(sql())) >= 2, 'the retry waits for the first one’s claim');
        await locker.query('UPDATE tickets SET version = version + 1 WHERE id = $1', [ticket.id]);
        await locker.query('COMMIT');
        const [firstRes, retryRes] = await Promise.all([first, retry]);
        expectError(firstRes, 409, 'STALE_VERSION');
        expect(retryRes.status, JSON.stringify(retryRes.body)).to.equal(200);
        expect(retryRes.headers.get('idempotent-replayed')).to.equal(null);
        expect(retryRes.body).to.include({ status: 'IN_PROGRESS', version: 4 });
        expect(await ticketEffects(ticket.id)).to.include({ sessions: 1, transitions: 3 });
      });
    });

    it('20 simultaneous duplicates of a command that fails: every answer is that 409, nothing is stored, nothing changes', async () => {
      const ticket = await newTicket(); // UNDER_REVIEW: START is refused
      const k = key();
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => supervisor.api.post(`/tickets/${ticket.id}/start`, undefined, withKey(k))),
      );
      // Each duplicate waits for the one before it, which rolls back, and then fails the same way.
      for (const r of responses) expectError(r, 409, 'INVALID_TRANSITION');
      expect(await record(supervisor.id, k)).to.equal(undefined);
      expect(await ticketEffects(ticket.id)).to.include({ status: 'UNDER_REVIEW', version: 1, transitions: 1, outbox: 1, sessions: 0 });
    });
  });

  describe('expiry', () => {
    it('once the record has expired the key is fresh: the same request runs again, a different one is no mismatch', async () => {
      const technician = await freshTechnician();
      const ticket = await assignedTicket(technician);
      const started = await technician.api.post(`/tickets/${ticket.id}/start`);
      const sessionId = started.body.openSession.id as string;
      const k = key();
      const pause = () => technician.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'BREAK' }, withKey(k));

      const first = await pause();
      expect(first.status).to.equal(200);
      expect((await technician.api.post(`/work-sessions/${sessionId}/resume`)).status).to.equal(200);
      const replay = await pause();
      expect(replay.headers.get('idempotent-replayed')).to.equal('true');
      expect(replay.body).to.deep.equal(first.body);

      const expired = await sql().query(
        `UPDATE idempotency_records SET expires_at = now() - interval '1 second' WHERE actor_id = $1 AND key = $2`,
        [technician.id, k],
      );
      expect(expired.rowCount).to.equal(1);
      const again = await pause();
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect(again.headers.get('idempotent-replayed')).to.equal(null);
      expect(again.body.transition.id).to.not.equal(first.body.transition.id);
      const pauses = await sql().query(`SELECT event FROM work_session_transitions WHERE command_id = $1`, [k]);
      expect(pauses.rows).to.deep.equal([{ event: 'PAUSE' }, { event: 'PAUSE' }]);
      expect(await record(technician.id, k)).to.include({ state: 'DONE', lives_a_day: true });

      await sql().query(`UPDATE idempotency_records SET expires_at = now() - interval '1 second' WHERE actor_id = $1 AND key = $2`, [
        technician.id,
        k,
      ]);
      const different = await technician.api.post(`/work-sessions/${sessionId}/resume`, undefined, withKey(k));
      expect(different.status, JSON.stringify(different.body)).to.equal(200);
      expect(different.body.status).to.equal('RUNNING');
    });
  });

  it('an invalid Idempotency-Key header is refused before anything runs', async () => {
    const item = await buildItem(supervisor);
    const res = await supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'x' }, { 'Idempotency-Key': 'x'.repeat(256) });
    expectError(res, 400, 'VALIDATION_FAILED');
    const { rows } = await sql().query(`SELECT count(*)::int AS n FROM tickets WHERE inventory_item_id = $1`, [item.id]);
    expect(rows[0].n).to.equal(0);
  });
});

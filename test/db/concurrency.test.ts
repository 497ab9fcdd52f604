import { expect } from 'chai';
import pg from 'pg';
import type { ApiResponse } from '../support/api-client.js';
import { buildItem, buildPart, buildUser, loginAdmin, type TestUser } from '../support/factories.js';
import { connectSql, useProductWithSql } from '../support/harness.js';
import { prng } from '../support/prng.js';

/**
 * Real concurrent HTTP requests against the running product (its pool is DB_POOL_MAX=40 in
 * tests), then direct SQL on the product's database: the six invariants hold, and the rows
 * written (transition logs, outbox) are exactly the effects of the commands that succeeded.
 */

type Res = ApiResponse<any>;

/** Sends every request before awaiting any: they are all in flight at once. */
function race<T>(requests: (() => Promise<T>)[]): Promise<T[]> {
  return Promise.all(requests.map((send) => send()));
}

/** "200", "201" or "409 CONFLICT ONE_ACTIVE_TICKET_PER_ITEM" … → how many responses. */
function tally(responses: Res[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of responses) {
    const error = r.body?.error;
    const key =
      r.status < 400
        ? String(r.status)
        : [r.status, error?.code, error?.details?.invariant ?? error?.details?.reason].filter(Boolean).join(' ');
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

function expectNo5xx(responses: Res[]): void {
  const failures = responses.filter((r) => r.status >= 500);
  expect(failures.map((r) => `${r.status} ${JSON.stringify(r.body)}`), 'no 5xx').to.deep.equal([]);
}

const COUNTED = [
  'tickets',
  'ticket_transitions',
  'ticket_part_specs',
  'work_sessions',
  'work_session_transitions',
  'stockout_incidents',
  'outbox_events',
] as const;
type Counts = Record<(typeof COUNTED)[number], number>;

async function countRows(db: pg.Client): Promise<Counts> {
  const { rows } = await db.query<Counts>(
    `SELECT ${COUNTED.map((table) => `(SELECT count(*) FROM ${table})::int AS ${table}`).join(', ')}`,
  );
  return rows[0]!;
}

function delta(after: Counts, before: Counts): Counts {
  return Object.fromEntries(COUNTED.map((table) => [table, after[table] - before[table]])) as Counts;
}

/**
 * Each query lists the rows breaking one rule; all must come back empty. The first six are the
 * invariants of domain.md; the others tie the state to the append-only logs and the outbox, so a
 * refused command that left any effect behind is caught.
 */
const VIOLATIONS: Record<string, string> = {
  ONE_ACTIVE_TICKET_PER_ITEM: `
    SELECT inventory_item_id::text AS k, count(*)::int AS n FROM tickets
    WHERE status NOT IN ('DONE', 'CANCELLED') GROUP BY inventory_item_id HAVING count(*) > 1`,
  ONE_IN_PROGRESS_TICKET_PER_TECHNICIAN: `
    SELECT technician_id::text AS k, count(*)::int AS n FROM tickets
    WHERE status = 'IN_PROGRESS' GROUP BY technician_id HAVING count(*) > 1`,
  ONE_ACTIVE_SPEC_PER_PART: `
    SELECT ticket_id::text || '/' || inventory_item_part_id::text AS k, count(*)::int AS n FROM ticket_part_specs
    WHERE is_active GROUP BY ticket_id, inventory_item_part_id HAVING count(*) > 1`,
  ONE_OPEN_SESSION_PER_TICKET: `
    SELECT ticket_id::text AS k, count(*)::int AS n FROM work_sessions
    WHERE status IN ('RUNNING', 'PAUSED') GROUP BY ticket_id HAVING count(*) > 1`,
  ONE_OPEN_SESSION_PER_TECHNICIAN: `
    SELECT technician_id::text AS k, count(*)::int AS n FROM work_sessions
    WHERE status IN ('RUNNING', 'PAUSED') GROUP BY technician_id HAVING count(*) > 1`,
  ONE_OPEN_STOCKOUT_PER_PART: `
    SELECT inventory_item_part_id::text AS k, count(*)::int AS n FROM stockout_incidents
    WHERE status = 'OPEN' GROUP BY inventory_item_part_id HAVING count(*) > 1`,
  OPEN_SESSION_ONLY_ON_ITS_TECHNICIANS_IN_PROGRESS_TICKET: `
    SELECT s.id::text AS k, 1 AS n FROM work_sessions s JOIN tickets t ON t.id = s.ticket_id
    WHERE s.status IN ('RUNNING', 'PAUSED') AND (t.status <> 'IN_PROGRESS' OR t.technician_id IS DISTINCT FROM s.technician_id)`,
  TICKET_STATUS_EQUALS_LAST_TRANSITION: `
    SELECT t.id::text AS k, 1 AS n FROM tickets t
    LEFT JOIN LATERAL (SELECT to_status FROM ticket_transitions x WHERE x.ticket_id = t.id ORDER BY x.id DESC LIMIT 1) l ON true
    WHERE l.to_status IS DISTINCT FROM t.status`,
  TICKET_VERSION_EQUALS_TRANSITION_COUNT: `
    SELECT t.id::text AS k, t.version AS n FROM tickets t
    WHERE t.version <> (SELECT count(*) FROM ticket_transitions x WHERE x.ticket_id = t.id)`,
  TICKET_OUTBOX_EQUALS_TRANSITION_COUNT: `
    SELECT t.id::text AS k, 1 AS n FROM tickets t
    WHERE (SELECT count(*) FROM outbox_events o WHERE o.aggregate_type = 'ticket' AND o.aggregate_id = t.id)
       <> (SELECT count(*) FROM ticket_transitions x WHERE x.ticket_id = t.id)`,
  SESSION_STATUS_EQUALS_LAST_TRANSITION: `
    SELECT s.id::text AS k, 1 AS n FROM work_sessions s
    LEFT JOIN LATERAL (SELECT to_status FROM work_session_transitions x WHERE x.session_id = s.id ORDER BY x.at DESC, x.id DESC LIMIT 1) l ON true
    WHERE l.to_status IS DISTINCT FROM s.status`,
  SESSION_OUTBOX_EQUALS_TRANSITION_COUNT: `
    SELECT s.id::text AS k, 1 AS n FROM work_sessions s
    WHERE (SELECT count(*) FROM outbox_events o WHERE o.aggregate_type = 'work_session' AND o.aggregate_id = s.id)
       <> (SELECT count(*) FROM work_session_transitions x WHERE x.session_id = s.id)`,
  SESSION_ACTIVE_SECONDS_EQUAL_LOG: `
    SELECT s.id::text AS k, 1 AS n FROM work_sessions s
    WHERE s.active_seconds <> (
      SELECT coalesce(sum(extract(epoch FROM (l.next_at - l.at))), 0) FROM (
        SELECT to_status, at, lead(at) OVER (ORDER BY at, id) AS next_at
        FROM work_session_transitions WHERE session_id = s.id) l
      WHERE l.to_status = 'RUNNING' AND l.next_at IS NOT NULL)`,
  // Rows the product wrote (it always sets reported_by; the bypass tests below insert without it).
  STOCKOUT_OUTBOX_EQUALS_CHANGES: `
    SELECT s.id::text AS k, 1 AS n FROM stockout_incidents s
    WHERE s.reported_by IS NOT NULL AND (SELECT count(*) FROM outbox_events o WHERE o.aggregate_type = 'stockout' AND o.aggregate_id = s.id)
       <> CASE WHEN s.status = 'RESOLVED' THEN 2 ELSE 1 END`,
};

async function expectInvariantsHold(db: pg.Client): Promise<void> {
  const broken: Record<string, unknown[]> = {};
  for (const [rule, text] of Object.entries(VIOLATIONS)) {
    const { rows } = await db.query(text);
    if (rows.length > 0) broken[rule] = rows;
  }
  expect(broken, 'rows breaking an invariant').to.deep.equal({});
}

describe('concurrency: invariants under concurrent HTTP requests', function () {
  this.timeout(180_000);
  const t = useProductWithSql();
  const { sql } = t;
  let admin: TestUser;
  let supervisor: TestUser;
  let supervisor2: TestUser;


  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    supervisor2 = await buildUser(t.current, admin, 'SUPERVISOR');
  });

  async function technicians(n: number): Promise<TestUser[]> {
    return Promise.all(Array.from({ length: n }, () => buildUser(t.current, admin, 'TECHNICIAN')));
  }

  async function ticketFor(status: 'UNDER_REVIEW' | 'ASSIGNED', technician?: TestUser): Promise<any> {
    const item = await buildItem(supervisor);
    const created = await supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'Race me' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    if (status === 'UNDER_REVIEW') return created.body;
    const assigned = await supervisor.api.post(`/tickets/${created.body.id}/assign`, { technicianId: technician!.id });
    expect(assigned.status, JSON.stringify(assigned.body)).to.equal(200);
    return assigned.body;
  }

  /** A ticket IN_PROGRESS for the technician, with its RUNNING session. */
  async function inProgress(technician: TestUser): Promise<{ ticket: any; sessionId: string }> {
    const ticket = await ticketFor('ASSIGNED', technician);
    const started = await technician.api.post(`/tickets/${ticket.id}/start`);
    expect(started.status, JSON.stringify(started.body)).to.equal(200);
    return { ticket: started.body, sessionId: started.body.openSession.id };
  }

  it('a. 60 concurrent starts (10 technicians × 6 ASSIGNED tickets): one IN_PROGRESS ticket per technician', async () => {
    const techs = await technicians(10);
    const ticketsByTech = await Promise.all(
      techs.map(async (tech) => {
        const list: any[] = [];
        for (let i = 0; i < 6; i++) list.push(await ticketFor('ASSIGNED', tech));
        return list;
      }),
    );
    const before = await countRows(sql());

    const racers = techs.flatMap((tech, i) => ticketsByTech[i]!.map((ticket) => ({ tech, ticket })));
    expect(racers).to.have.length(60);
    const responses = await race(racers.map(({ tech, ticket }) => () => tech.api.post(`/tickets/${ticket.id}/start`)));

    expectNo5xx(responses);
    expect(tally(responses)).to.deep.equal({ '200': 10, '409 CONFLICT ONE_IN_PROGRESS_TICKET_PER_TECHNICIAN': 50 });
    const winners = new Map<string, string>();
    responses.forEach((res, i) => {
      const { tech, ticket } = racers[i]!;
      if (res.status !== 200) return;
      expect(winners.has(tech.id), `two winners for technician ${tech.username}`).to.equal(false);
      winners.set(tech.id, ticket.id);
      expect(res.body).to.include({ id: ticket.id, status: 'IN_PROGRESS', technicianId: tech.id, version: ticket.version + 1 });
      expect(res.body.openSession).to.include({ status: 'RUNNING', technicianId: tech.id, ticketId: ticket.id });
    });
    expect(winners.size).to.equal(10);

    // The database agrees: exactly the winners are IN_PROGRESS with one open session; losers untouched.
    const { rows } = await sql().query<{ id: string; technician_id: string; status: string; version: number; open_sessions: number }>(
      `SELECT t.id, t.technician_id, t.status, t.version,
              (SELECT count(*)::int FROM work_sessions s WHERE s.ticket_id = t.id) AS open_sessions
       FROM tickets t WHERE t.id = ANY($1::uuid[])`,
      [racers.map((r) => r.ticket.id)],
    );
    for (const row of rows) {
      const won = winners.get(row.technician_id) === row.id;
      expect(row, `ticket ${row.id}`).to.include(
        won ? { status: 'IN_PROGRESS', version: 3, open_sessions: 1 } : { status: 'ASSIGNED', version: 2, open_sessions: 0 },
      );
    }
    const after = await countRows(sql());
    // Only the 10 winners left effects: START transition + session + its START log + 2 outbox rows each.
    expect(delta(after, before)).to.deep.equal({
      tickets: 0,
      ticket_transitions: 10,
      ticket_part_specs: 0,
      work_sessions: 10,
      work_session_transitions: 10,
      stockout_incidents: 0,
      outbox_events: 20,
    });
    const starts = await sql().query(
      `SELECT count(*)::int AS n FROM ticket_transitions WHERE event = 'START' AND ticket_id = ANY($1::uuid[])`,
      [racers.map((r) => r.ticket.id)],
    );
    expect(starts.rows[0].n).to.equal(10);
    await expectInvariantsHold(sql());
  });

  it('b. 60 concurrent POST /tickets for 5 inventory items: one active ticket per item', async () => {
    const items = await Promise.all(Array.from({ length: 5 }, () => buildItem(supervisor)));
    const creators = [supervisor, supervisor2, admin];
    const racers = Array.from({ length: 60 }, (_, i) => ({ item: items[i % 5]!, as: creators[i % 3]! }));
    const before = await countRows(sql());

    const responses = await race(
      racers.map(({ item, as }, i) => () => as.api.post('/tickets', { inventoryItemId: item.id, title: `racer ${i}` })),
    );

    expectNo5xx(responses);
    expect(tally(responses)).to.deep.equal({ '201': 5, '409 CONFLICT ONE_ACTIVE_TICKET_PER_ITEM': 55 });
    for (const item of items) {
      const won = responses.filter((r, i) => r.status === 201 && racers[i]!.item.id === item.id);
      expect(won, `winners for item ${item.serial}`).to.have.length(1);
      expect(won[0]!.body).to.include({ inventoryItemId: item.id, status: 'UNDER_REVIEW', version: 1 });
    }
    const { rows } = await sql().query(
      `SELECT inventory_item_id::text AS item, count(*)::int AS n FROM tickets WHERE inventory_item_id = ANY($1::uuid[]) GROUP BY 1`,
      [items.map((i) => i.id)],
    );
    expect(rows).to.have.length(5);
    expect(rows.every((r) => r.n === 1)).to.equal(true);
    expect(delta(await countRows(sql()), before)).to.deep.equal({
      tickets: 5,
      ticket_transitions: 5,
      ticket_part_specs: 0,
      work_sessions: 0,
      work_session_transitions: 0,
      stockout_incidents: 0,
      outbox_events: 5,
    });
    await expectInvariantsHold(sql());
  });

  it('c. 60 concurrent POST /work-sessions on 5 IN_PROGRESS tickets with stopped sessions: one open session per ticket', async () => {
    const techs = await technicians(5);
    const prepared = await Promise.all(techs.map((tech) => inProgress(tech)));
    for (const [i, { sessionId }] of prepared.entries()) {
      const stopped = await techs[i]!.api.post(`/work-sessions/${sessionId}/stop`);
      expect(stopped.status, JSON.stringify(stopped.body)).to.equal(200);
    }
    const before = await countRows(sql());

    // 12 racers per ticket: the technician themself and supervisors on their behalf.
    const racers = Array.from({ length: 60 }, (_, i) => {
      const k = i % 5;
      const as = i % 4 === 0 ? supervisor : i % 4 === 1 ? supervisor2 : techs[k]!;
      return { k, as };
    });
    const responses = await race(
      racers.map(({ k, as }) => () => as.api.post('/work-sessions', { ticketId: prepared[k]!.ticket.id })),
    );

    expectNo5xx(responses);
    expect(tally(responses)).to.deep.equal({ '201': 5, '409 CONFLICT ONE_OPEN_SESSION_PER_TICKET': 55 });
    for (let k = 0; k < 5; k++) {
      const won = responses.filter((r, i) => r.status === 201 && racers[i]!.k === k);
      expect(won, `winners for ticket ${k}`).to.have.length(1);
      expect(won[0]!.body).to.include({ status: 'RUNNING', ticketId: prepared[k]!.ticket.id, technicianId: techs[k]!.id });
    }
    expect(delta(await countRows(sql()), before)).to.deep.equal({
      tickets: 0,
      ticket_transitions: 0,
      ticket_part_specs: 0,
      work_sessions: 5,
      work_session_transitions: 5,
      stockout_incidents: 0,
      outbox_events: 5,
    });
    await expectInvariantsHold(sql());
  });

  it('d1. 60 concurrent POST /tickets/:id/part-specs of the same part (3 tickets × 20): one active spec per (ticket, part)', async () => {
    const part = await buildPart(admin, 37);
    const tickets = await Promise.all(Array.from({ length: 3 }, () => ticketFor('UNDER_REVIEW')));
    const adders = [supervisor, supervisor2, admin];
    const racers = Array.from({ length: 60 }, (_, i) => ({ k: i % 3, as: adders[Math.floor(i / 3) % 3]! }));
    const before = await countRows(sql());

    const responses = await race(
      racers.map(({ k, as }, i) => () => as.api.post(`/tickets/${tickets[k]!.id}/part-specs`, { partId: part.id, note: `racer ${i}` })),
    );

    expectNo5xx(responses);
    expect(tally(responses)).to.deep.equal({ '201': 3, '409 CONFLICT ONE_ACTIVE_SPEC_PER_PART': 57 });
    for (let k = 0; k < 3; k++) {
      const won = responses.filter((r, i) => r.status === 201 && racers[i]!.k === k);
      expect(won).to.have.length(1);
      expect(won[0]!.body).to.include({ ticketId: tickets[k]!.id, partId: part.id, srtMinutes: 37, isActive: true });
      // Metrics recomputed once: 37 min → 42 flag minutes; version bumped once.
      expect(won[0]!.body.ticket).to.include({ srtTotalMinutes: 37, flagMinutes: 42, version: 2 });
    }
    const { rows } = await sql().query(
      `SELECT id::text, version, srt_total_minutes FROM tickets WHERE id = ANY($1::uuid[])`,
      [tickets.map((x) => x.id)],
    );
    expect(rows.map((r) => [r.version, r.srt_total_minutes])).to.deep.equal([
      [2, 37],
      [2, 37],
      [2, 37],
    ]);
    expect(delta(await countRows(sql()), before)).to.deep.equal({
      tickets: 0,
      ticket_transitions: 3,
      ticket_part_specs: 3,
      work_sessions: 0,
      work_session_transitions: 0,
      stockout_incidents: 0,
      outbox_events: 3,
    });
    await expectInvariantsHold(sql());
  });

  it('d2. 60 concurrent POST /stockouts for 3 parts: one OPEN stockout per part', async () => {
    const parts = await Promise.all(Array.from({ length: 3 }, () => buildPart(admin)));
    const techs = await technicians(3);
    const reporters = [...techs, supervisor, supervisor2];
    const racers = Array.from({ length: 60 }, (_, i) => ({ k: i % 3, as: reporters[i % reporters.length]! }));
    const before = await countRows(sql());

    const responses = await race(
      racers.map(({ k, as }, i) => () => as.api.post('/stockouts', { partId: parts[k]!.id, note: `racer ${i}` })),
    );

    expectNo5xx(responses);
    expect(tally(responses)).to.deep.equal({ '201': 3, '409 CONFLICT ONE_OPEN_STOCKOUT_PER_PART': 57 });
    for (let k = 0; k < 3; k++) {
      const won = responses.filter((r, i) => r.status === 201 && racers[i]!.k === k);
      expect(won).to.have.length(1);
      expect(won[0]!.body).to.include({ partId: parts[k]!.id, status: 'OPEN' });
    }
    expect(delta(await countRows(sql()), before)).to.deep.equal({
      tickets: 0,
      ticket_transitions: 0,
      ticket_part_specs: 0,
      work_sessions: 0,
      work_session_transitions: 0,
      stockout_incidents: 3,
      outbox_events: 3,
    });
    await expectInvariantsHold(sql());
  });

  it('e. 60 concurrent mixed pause/resume/stop (3 sessions × 20, by their owners): 200 or 409 only, state equals the log', async () => {
    const techs = await technicians(3);
    const prepared = await Promise.all(techs.map((tech) => inProgress(tech)));
    const random = prng(20260302);
    const reasons = ['BREAK', 'STOCKOUT', 'END_OF_SHIFT', 'OTHER'];
    const ops = Array.from({ length: 60 }, (_, i) => {
      const k = i % 3;
      const roll = random();
      const op = roll < 0.45 ? 'pause' : roll < 0.9 ? 'resume' : 'stop';
      const body = op === 'pause' ? { reason: reasons[Math.floor(random() * reasons.length)]! } : undefined;
      return { k, op, body };
    });
    const before = await countRows(sql());

    const responses = await race(
      ops.map(({ k, op, body }) => () => techs[k]!.api.post(`/work-sessions/${prepared[k]!.sessionId}/${op}`, body)),
    );

    expectNo5xx(responses);
    for (const [i, res] of responses.entries()) {
      expect([200, 409], `${ops[i]!.op}: ${JSON.stringify(res.body)}`).to.include(res.status);
      if (res.status === 409) expect(res.body.error.code).to.equal('INVALID_TRANSITION');
    }
    const successes = responses.filter((r) => r.status === 200).length;

    for (let k = 0; k < 3; k++) {
      const sessionId = prepared[k]!.sessionId;
      const mine = responses.map((res, i) => ({ res, op: ops[i]! })).filter(({ op }) => op.k === k);
      const accepted = mine.filter(({ res }) => res.status === 200);
      const log = (
        await sql().query(
          `SELECT id::text, from_status, to_status, event, reason, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
           FROM work_session_transitions WHERE session_id = $1 ORDER BY at, id`,
          [sessionId],
        )
      ).rows;
      const row = (await sql().query(`SELECT status, pause_reason, running_since, ended_at FROM work_sessions WHERE id = $1`, [sessionId]))
        .rows[0];

      // One log row per accepted command (plus START), chained from → to, nothing after STOP.
      expect(log, `log of session ${k}`).to.have.length(1 + accepted.length);
      expect(log[0]).to.include({ from_status: null, to_status: 'RUNNING', event: 'START' });
      for (let j = 1; j < log.length; j++) {
        expect(log[j]!.from_status, `log row ${j} of session ${k}`).to.equal(log[j - 1]!.to_status);
        expect(log[j - 1]!.to_status, 'no event after STOPPED').to.not.equal('STOPPED');
      }
      // Every accepted response names a log row with the same transition.
      const logById = new Map(log.map((r) => [r.id, r]));
      for (const { res, op } of accepted) {
        const logged = logById.get(res.body.transition.id);
        expect(logged, `transition ${res.body.transition.id} in the log`).to.not.equal(undefined);
        expect(logged).to.include({ from_status: res.body.transition.fromStatus, to_status: res.body.transition.toStatus });
        expect(logged!.event).to.equal(op.op.toUpperCase());
        if (op.op === 'pause') expect(logged!.reason).to.equal(op.body!.reason);
      }
      // The refused ones were refused for the state they found.
      for (const { res, op } of mine.filter(({ res }) => res.status === 409)) {
        const allowed = res.body.error.details.allowedEvents as string[];
        expect(allowed, `${op.op} refused while ${res.body.error.details.status}`).to.not.include(op.op.toUpperCase());
      }
      // The row is the log's last state.
      const last = log.at(-1)!;
      expect(row.status).to.equal(last.to_status);
      expect(row.pause_reason).to.equal(last.to_status === 'PAUSED' ? last.reason : null);
      expect(row.running_since === null).to.equal(last.to_status !== 'RUNNING');
      expect(row.ended_at === null).to.equal(last.to_status !== 'STOPPED');

      const recalculated = await supervisor.api.post(`/work-sessions/${sessionId}/recalculate`);
      expect(recalculated.status).to.equal(200);
      expect(recalculated.body.consistent, JSON.stringify(recalculated.body)).to.equal(true);
    }
    expect(delta(await countRows(sql()), before)).to.deep.equal({
      tickets: 0,
      ticket_transitions: 0,
      ticket_part_specs: 0,
      work_sessions: 0,
      work_session_transitions: successes,
      stockout_incidents: 0,
      outbox_events: successes,
    });
    await expectInvariantsHold(sql());
  });

  it('e2. 72 concurrent mixed ticket and session commands (start/release/submit-qc/new session/pause/resume/stop): no 5xx, every effect accounted for', async () => {
    const techs = await technicians(4);
    const part = await buildPart(admin, 12);
    const setups = await Promise.all(
      techs.map(async (tech) => {
        const { ticket: x, sessionId } = await inProgress(tech);
        const y = await ticketFor('ASSIGNED', tech);
        for (const id of [x.id, y.id]) {
          expect((await supervisor.api.post(`/tickets/${id}/part-specs`, { partId: part.id })).status).to.equal(201);
        }
        return { tech, x: x.id as string, y: y.id as string, sessionId };
      }),
    );
    const random = prng(7);
    type Op = { k: number; kind: string; path: string; body?: unknown; as: TestUser };
    const ops: Op[] = [];
    for (let i = 0; i < 72; i++) {
      const k = i % 4;
      const { tech, x, y, sessionId } = setups[k]!;
      const ticket = random() < 0.5 ? x : y;
      const as = random() < 0.25 ? supervisor : tech;
      const choice = Math.floor(random() * 8);
      const op: Op =
        choice === 0
          ? { k, kind: 'start', path: `/tickets/${ticket}/start`, as }
          : choice === 1
            ? { k, kind: 'release', path: `/tickets/${ticket}/release`, body: { reason: 'blocked' }, as }
            : choice === 2
              ? { k, kind: 'submit', path: `/tickets/${ticket}/submit-qc`, as }
              : choice === 3
                ? { k, kind: 'session', path: '/work-sessions', body: { ticketId: ticket }, as }
                : choice === 4 || choice === 5
                  ? { k, kind: 'pause', path: `/work-sessions/${sessionId}/pause`, body: { reason: 'STOCKOUT' }, as }
                  : choice === 6
                    ? { k, kind: 'resume', path: `/work-sessions/${sessionId}/resume`, as }
                    : { k, kind: 'stop', path: `/work-sessions/${sessionId}/stop`, as };
      ops.push(op);
    }
    const before = await countRows(sql());

    const responses = await race(ops.map((op) => () => op.as.api.post(op.path, op.body)));

    expectNo5xx(responses);
    const expected: Counts = {
      tickets: 0,
      ticket_transitions: 0,
      ticket_part_specs: 0,
      work_sessions: 0,
      work_session_transitions: 0,
      stockout_incidents: 0,
      outbox_events: 0,
    };
    for (const [i, res] of responses.entries()) {
      const op = ops[i]!;
      expect([200, 201, 409], `${op.kind}: ${res.status} ${JSON.stringify(res.body)}`).to.include(res.status);
      if (res.status === 409) {
        expect(['INVALID_TRANSITION', 'CONFLICT'], JSON.stringify(res.body)).to.include(res.body.error.code);
        continue;
      }
      if (op.kind === 'start') {
        expected.ticket_transitions += 1;
        expected.work_sessions += 1;
        expected.work_session_transitions += 1;
        expected.outbox_events += 2;
      } else if (op.kind === 'release' || op.kind === 'submit') {
        expected.ticket_transitions += 1;
        expected.outbox_events += 1;
        if (res.body.stoppedSession) {
          expected.work_session_transitions += 1;
          expected.outbox_events += 1;
        }
      } else if (op.kind === 'session') {
        expected.work_sessions += 1;
        expected.work_session_transitions += 1;
        expected.outbox_events += 1;
      } else {
        expected.work_session_transitions += 1;
        expected.outbox_events += 1;
      }
    }
    expect(delta(await countRows(sql()), before)).to.deep.equal(expected);
    await expectInvariantsHold(sql());
  });

  describe('f. the database enforces the invariants when code is bypassed', () => {
    interface PgError {
      code?: string;
      constraint?: string;
    }

    async function expectUniqueViolation(run: Promise<unknown>, constraint: string): Promise<void> {
      let caught: PgError | undefined;
      try {
        await run;
      } catch (err) {
        caught = err as PgError;
      }
      expect(caught, `expected 23505 on ${constraint}`).to.not.equal(undefined);
      expect({ code: caught!.code, constraint: caught!.constraint }).to.deep.equal({ code: '23505', constraint });
    }

    it('a second OPEN stockout for a part fails with 23505 stockout_incidents_one_open_per_part', async () => {
      const part = await buildPart(admin);
      const opened = await supervisor.api.post('/stockouts', { partId: part.id });
      expect(opened.status).to.equal(201);
      await expectUniqueViolation(
        sql().query(`INSERT INTO stockout_incidents (inventory_item_part_id, status, started_at) VALUES ($1, 'OPEN', now())`, [part.id]),
        'stockout_incidents_one_open_per_part',
      );
      // A RESOLVED one is fine (history), and the OPEN one is still alone.
      await sql().query(
        `INSERT INTO stockout_incidents (inventory_item_part_id, status, started_at, resolved_at) VALUES ($1, 'RESOLVED', now(), now())`,
        [part.id],
      );
      const { rows } = await sql().query(
        `SELECT status, count(*)::int AS n FROM stockout_incidents WHERE inventory_item_part_id = $1 GROUP BY status ORDER BY status`,
        [part.id],
      );
      expect(rows).to.deep.equal([
        { status: 'OPEN', n: 1 },
        { status: 'RESOLVED', n: 1 },
      ]);
    });

    it('two concurrent transactions opening a stockout for the same part: the second waits, then fails with 23505', async () => {
      const part = await buildPart(admin);
      const first = await connectSql(t.current.databaseUrl);
      const second = await connectSql(t.current.databaseUrl);
      try {
        await first.query('BEGIN');
        await second.query('BEGIN');
        const insert = `INSERT INTO stockout_incidents (inventory_item_part_id, status, started_at) VALUES ($1, 'OPEN', now())`;
        await first.query(insert, [part.id]);
        let settled = false;
        const pending = second.query(insert, [part.id]).finally(() => {
          settled = true;
        });
        pending.catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(settled, 'the second insert waits for the first transaction').to.equal(false);
        await first.query('COMMIT');
        await expectUniqueViolation(pending, 'stockout_incidents_one_open_per_part');
        await second.query('ROLLBACK');
      } finally {
        await first.end();
        await second.end();
      }
      const { rows } = await sql().query(
        `SELECT count(*)::int AS n FROM stockout_incidents WHERE inventory_item_part_id = $1 AND status = 'OPEN'`,
        [part.id],
      );
      expect(rows[0].n).to.equal(1);
    });

    it('a second open session for a technician (on another ticket) fails with 23505 work_sessions_one_open_per_technician', async () => {
      const [tech] = await technicians(1);
      const { sessionId } = await inProgress(tech!);
      const other = await ticketFor('UNDER_REVIEW');
      for (const status of ['RUNNING', 'PAUSED']) {
        await expectUniqueViolation(
          sql().query(
            `INSERT INTO work_sessions (ticket_id, technician_id, status, started_at, running_since, pause_reason)
             VALUES ($1, $2, $3, now(), CASE WHEN $3 = 'RUNNING' THEN now() END, CASE WHEN $3 = 'PAUSED' THEN 'BREAK' END)`,
            [other.id, tech!.id, status],
          ),
          'work_sessions_one_open_per_technician',
        );
      }
      const { rows } = await sql().query(
        `SELECT id::text FROM work_sessions WHERE technician_id = $1 AND status IN ('RUNNING', 'PAUSED')`,
        [tech!.id],
      );
      expect(rows).to.deep.equal([{ id: sessionId }]);
    });

    it('a second open session for a ticket (other technician) fails with 23505 work_sessions_one_open_per_ticket', async () => {
      const [tech, otherTech] = await technicians(2);
      const { ticket } = await inProgress(tech!);
      await expectUniqueViolation(
        sql().query(
          `INSERT INTO work_sessions (ticket_id, technician_id, status, started_at, running_since) VALUES ($1, $2, 'RUNNING', now(), now())`,
          [ticket.id, otherTech!.id],
        ),
        'work_sessions_one_open_per_ticket',
      );
    });

    it('a second active ticket for an item, a second IN_PROGRESS ticket for a technician, a second active spec: 23505', async () => {
      const [tech] = await technicians(1);
      const { ticket } = await inProgress(tech!);
      await expectUniqueViolation(
        sql().query(`INSERT INTO tickets (inventory_item_id, title) VALUES ($1, 'sneaky')`, [ticket.inventoryItemId]),
        'tickets_one_active_per_item',
      );
      const otherItem = await buildItem(supervisor);
      await expectUniqueViolation(
        sql().query(`INSERT INTO tickets (inventory_item_id, title, status, technician_id) VALUES ($1, 'sneaky', 'IN_PROGRESS', $2)`, [
          otherItem.id,
          tech!.id,
        ]),
        'tickets_one_in_progress_per_technician',
      );
      const part = await buildPart(admin);
      const spec = await supervisor.api.post(`/tickets/${ticket.id}/part-specs`, { partId: part.id });
      expect(spec.status).to.equal(201);
      await expectUniqueViolation(
        sql().query(`INSERT INTO ticket_part_specs (ticket_id, inventory_item_part_id, srt_minutes) VALUES ($1, $2, 5)`, [
          ticket.id,
          part.id,
        ]),
        'ticket_part_specs_one_active_per_part',
      );
      // The same UPDATE path: flipping a deactivated spec back to active collides too.
      await sql().query(
        `INSERT INTO ticket_part_specs (ticket_id, inventory_item_part_id, srt_minutes, is_active, deactivated_at) VALUES ($1, $2, 5, false, now())`,
        [ticket.id, part.id],
      );
      await expectUniqueViolation(
        sql().query(
          `UPDATE ticket_part_specs SET is_active = true, deactivated_at = NULL WHERE ticket_id = $1 AND inventory_item_part_id = $2 AND NOT is_active`,
          [ticket.id, part.id],
        ),
        'ticket_part_specs_one_active_per_part',
      );
      await expectInvariantsHold(sql());
    });
  });
});

import { expect } from 'chai';
import type { ManualClock } from '../../src/domain/clock.js';
import type { ApiResponse } from '../support/api-client.js';
import { buildItem, buildUser, expectError, loginAdmin, type TestUser } from '../support/factories.js';
import { useProductWithSql } from '../support/harness.js';
import { prng } from '../support/prng.js';

/**
 * Work-session time driven by a manual clock through REST: the stored active seconds, the
 * recomputation from the transition log (recalculate_active_seconds) and our own arithmetic on
 * the clock times we drove must all agree, to the millisecond.
 */

type Res = ApiResponse<any>;

const SEED = 0xbe4c4;

function ok(res: Res, status: number, what: string): any {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).to.equal(status);
  return res.body;
}

/** What we expect of one session, computed only from the clock times we drove. */
interface ExpectedSession {
  id: string;
  technician: TestUser;
  status: 'RUNNING' | 'PAUSED' | 'STOPPED';
  /** Closed RUNNING intervals, in ms. */
  closedMs: number;
  /** Clock time (ms) the current RUNNING interval began. */
  runningSinceMs: number | null;
  /** The log as we drove it: [status entered, clock ms]. */
  log: [string, number][];
}

const liveMs = (s: ExpectedSession, nowMs: number): number => s.closedMs + (s.runningSinceMs === null ? 0 : nowMs - s.runningSinceMs);

describe('work-session time with a manual clock', function () {
  this.timeout(180_000);
  const t = useProductWithSql({ manualClock: true });
  const { sql } = t;
  let admin: TestUser;
  let supervisor: TestUser;

  const clock = (): ManualClock => {
    if (!t.current.clock) throw new Error('manual clock expected');
    return t.current.clock;
  };
  const nowMs = (): number => clock().now().getTime();

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
  });

  async function assignedTicket(technician: TestUser): Promise<any> {
    const item = await buildItem(supervisor);
    const ticket = ok(await supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'Timed' }), 201, 'create');
    return ok(await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }), 200, 'assign');
  }

  async function getSession(id: string, as: TestUser = supervisor): Promise<any> {
    return ok(await as.api.get(`/work-sessions/${id}`), 200, 'get session');
  }

  it('live activeSeconds: RUNNING grows with the clock, PAUSED does not, STOP freezes it', async () => {
    const tech = await buildUser(t.current, admin, 'TECHNICIAN');
    const ticket = await assignedTicket(tech);
    const started = ok(await tech.api.post(`/tickets/${ticket.id}/start`), 200, 'start');
    const id = started.openSession.id as string;
    expect(started.openSession.activeSeconds).to.equal(0);

    clock().advance(90_500);
    expect((await getSession(id, tech)).activeSeconds).to.equal(90);
    const listed = ok(await tech.api.get(`/work-sessions?ticketId=${ticket.id}`), 200, 'list');
    expect(listed.items.map((s: any) => [s.id, s.activeSeconds])).to.deep.equal([[id, 90]]);
    clock().advance(499);
    expect((await getSession(id)).activeSeconds).to.equal(90);
    clock().advance(1);
    expect((await getSession(id)).activeSeconds, 'exactly 91.000 s').to.equal(91);

    const paused = ok(await tech.api.post(`/work-sessions/${id}/pause`, { reason: 'BREAK' }), 200, 'pause');
    expect(paused).to.include({ status: 'PAUSED', activeSeconds: 91, runningSince: null });
    clock().advance(3_600_000);
    expect((await getSession(id)).activeSeconds, 'paused for an hour: no time counted').to.equal(91);

    const resumed = ok(await tech.api.post(`/work-sessions/${id}/resume`), 200, 'resume');
    expect(resumed).to.include({ status: 'RUNNING', activeSeconds: 91 });
    clock().advance(9_100);
    expect((await getSession(id)).activeSeconds).to.equal(100);

    const stopped = ok(await tech.api.post(`/work-sessions/${id}/stop`), 200, 'stop');
    expect(stopped).to.include({ status: 'STOPPED', activeSeconds: 100, endedAt: clock().now().toISOString() });
    clock().advance(3_600_000);
    expect((await getSession(id)).activeSeconds, 'stopped: frozen').to.equal(100);
    const { rows } = await sql().query(`SELECT active_seconds::text AS s FROM work_sessions WHERE id = $1`, [id]);
    expect(rows[0].s).to.equal('100.100000');
  });

  it('recalculate detects a stored value that drifted from the log, reports it and repairs it', async () => {
    const tech = await buildUser(t.current, admin, 'TECHNICIAN');
    const ticket = await assignedTicket(tech);
    const id = ok(await tech.api.post(`/tickets/${ticket.id}/start`), 200, 'start').openSession.id as string;
    clock().advance(12_345);
    ok(await tech.api.post(`/work-sessions/${id}/stop`), 200, 'stop');

    const clean = ok(await supervisor.api.post(`/work-sessions/${id}/recalculate`), 200, 'recalculate');
    expect(clean).to.include({ consistent: true, storedActiveSeconds: 12.345, recomputedActiveSeconds: 12.345 });

    await sql().query(`UPDATE work_sessions SET active_seconds = 5 WHERE id = $1`, [id]);
    const drift = ok(await supervisor.api.post(`/work-sessions/${id}/recalculate`), 200, 'recalculate');
    expect(drift).to.include({ consistent: false, storedActiveSeconds: 5, recomputedActiveSeconds: 12.345 });
    expect(drift.session.activeSeconds).to.equal(12);
    const { rows } = await sql().query(`SELECT active_seconds::text AS s FROM work_sessions WHERE id = $1`, [id]);
    expect(rows[0].s).to.equal('12.345000');

    // Technicians may not recalculate.
    expectError(await tech.api.post(`/work-sessions/${id}/recalculate`), 403, 'FORBIDDEN');
  });

  it(`random pause/resume sequences (seed ${SEED}) over 24+ sessions: stored = recomputed = our arithmetic`, async () => {
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const reasons = ['BREAK', 'STOCKOUT', 'END_OF_SHIFT', 'OTHER'] as const;
    /** Mostly sub-second and seconds, sometimes minutes, sometimes nothing at all. */
    const advance = (): void => {
      const roll = random();
      const ms =
        roll < 0.1
          ? 0
          : roll < 0.45
            ? Math.floor(random() * 1000)
            : roll < 0.85
              ? Math.floor(random() * 600_000)
              : Math.floor(random() * 7_200_000);
      clock().advance(ms);
    };

    const techs = await Promise.all(Array.from({ length: 4 }, () => buildUser(t.current, admin, 'TECHNICIAN')));
    const tickets = new Map<string, string>();
    /** Tickets released (IN_PROGRESS → ASSIGNED, which stops the session) wait for a new START. */
    const released = new Set<string>();
    let releases = 0;
    const current = new Map<string, ExpectedSession | null>();
    const sessions: ExpectedSession[] = [];

    const open = (tech: TestUser, body: any): ExpectedSession => {
      const at = nowMs();
      expect(body).to.include({ status: 'RUNNING', technicianId: tech.id, activeSeconds: 0, startedAt: new Date(at).toISOString() });
      const session: ExpectedSession = { id: body.id, technician: tech, status: 'RUNNING', closedMs: 0, runningSinceMs: at, log: [['RUNNING', at]] };
      sessions.push(session);
      current.set(tech.id, session);
      return session;
    };

    for (const tech of techs) {
      const ticket = await assignedTicket(tech);
      tickets.set(tech.id, ticket.id);
      advance();
      open(tech, ok(await tech.api.post(`/tickets/${ticket.id}/start`), 200, 'start').openSession);
    }

    const TARGET = 24;
    let steps = 0;
    let refusals = 0;
    while (sessions.filter((s) => s.status === 'STOPPED').length < TARGET) {
      steps++;
      const tech = pick(techs);
      const session = current.get(tech.id) ?? null;
      advance();
      const at = nowMs();

      if (!session) {
        if (released.has(tech.id)) {
          // Released ticket: starting it again opens a new session in the same transaction.
          open(tech, ok(await tech.api.post(`/tickets/${tickets.get(tech.id)}/start`), 200, 'restart').openSession);
          released.delete(tech.id);
        } else {
          // The previous session was stopped: the ticket is still IN_PROGRESS, start a new one.
          open(tech, ok(await tech.api.post('/work-sessions', { ticketId: tickets.get(tech.id) }), 201, 'new session'));
        }
        continue;
      }

      const roll = random();
      if (roll > 0.93) {
        // Releasing the ticket stops its open session (RUNNING or PAUSED) at this instant.
        const body = ok(await tech.api.post(`/tickets/${tickets.get(tech.id)}/release`, { reason: 'blocked' }), 200, 'release');
        if (session.runningSinceMs !== null) session.closedMs += at - session.runningSinceMs;
        session.runningSinceMs = null;
        session.status = 'STOPPED';
        session.log.push(['STOPPED', at]);
        current.set(tech.id, null);
        released.add(tech.id);
        releases++;
        expect(body.status).to.equal('ASSIGNED');
        expect(body.stoppedSession).to.include({ id: session.id, status: 'STOPPED', activeSeconds: Math.floor(session.closedMs / 1000) });
      } else if (roll < 0.08) {
        // An event the statechart refuses: nothing changes, time keeps its course.
        const wrong = session.status === 'RUNNING' ? 'resume' : 'pause';
        const res = await tech.api.post(`/work-sessions/${session.id}/${wrong}`, wrong === 'pause' ? { reason: 'BREAK' } : undefined);
        expectError(res, 409, 'INVALID_TRANSITION');
        expect(res.body.error.details).to.include({ status: session.status });
        refusals++;
      } else if (session.status === 'RUNNING') {
        if (roll < 0.78) {
          const reason = pick(reasons);
          const body = ok(await tech.api.post(`/work-sessions/${session.id}/pause`, { reason }), 200, 'pause');
          session.closedMs += at - session.runningSinceMs!;
          session.runningSinceMs = null;
          session.status = 'PAUSED';
          session.log.push(['PAUSED', at]);
          expect(body).to.include({ status: 'PAUSED', pauseReason: reason, activeSeconds: Math.floor(session.closedMs / 1000) });
        } else {
          const body = ok(await tech.api.post(`/work-sessions/${session.id}/stop`), 200, 'stop');
          session.closedMs += at - session.runningSinceMs!;
          session.runningSinceMs = null;
          session.status = 'STOPPED';
          session.log.push(['STOPPED', at]);
          current.set(tech.id, null);
          expect(body).to.include({ status: 'STOPPED', activeSeconds: Math.floor(session.closedMs / 1000) });
        }
      } else {
        if (roll < 0.8) {
          const body = ok(await tech.api.post(`/work-sessions/${session.id}/resume`), 200, 'resume');
          session.runningSinceMs = at;
          session.status = 'RUNNING';
          session.log.push(['RUNNING', at]);
          expect(body).to.include({ status: 'RUNNING', runningSince: new Date(at).toISOString() });
          expect(body.activeSeconds).to.equal(Math.floor(session.closedMs / 1000));
        } else {
          const body = ok(await tech.api.post(`/work-sessions/${session.id}/stop`), 200, 'stop');
          session.status = 'STOPPED';
          session.log.push(['STOPPED', at]);
          current.set(tech.id, null);
          expect(body).to.include({ status: 'STOPPED', activeSeconds: Math.floor(session.closedMs / 1000) });
        }
      }
      // Live value of every open session at this instant, including the other technicians'.
      if (steps % 3 === 0) {
        for (const other of techs) {
          const open = current.get(other.id);
          if (!open) continue;
          expect((await getSession(open.id)).activeSeconds, `live seconds of ${open.id} (step ${steps})`).to.equal(
            Math.floor(liveMs(open, nowMs()) / 1000),
          );
        }
      }
    }
    // Close what is still open.
    for (const tech of techs) {
      const session = current.get(tech.id);
      if (!session) continue;
      advance();
      const at = nowMs();
      ok(await tech.api.post(`/work-sessions/${session.id}/stop`), 200, 'final stop');
      if (session.runningSinceMs !== null) session.closedMs += at - session.runningSinceMs;
      session.runningSinceMs = null;
      session.status = 'STOPPED';
      session.log.push(['STOPPED', at]);
    }

    expect(sessions.length).to.be.at.least(TARGET);
    expect(sessions.some((s) => s.log.length > 4), 'some sessions paused and resumed several times').to.equal(true);
    expect(refusals).to.be.greaterThan(0);
    expect(releases).to.be.greaterThan(0);
    clock().advance(86_400_000); // a day later nothing moves

    for (const session of sessions) {
      const exactSeconds = session.closedMs / 1000;
      const recalculated = ok(await supervisor.api.post(`/work-sessions/${session.id}/recalculate`), 200, 'recalculate');
      expect(recalculated, `session ${session.id}`).to.include({
        consistent: true,
        storedActiveSeconds: exactSeconds,
        recomputedActiveSeconds: exactSeconds,
      });
      const read = await getSession(session.id, session.technician);
      expect(read, `session ${session.id}`).to.include({
        status: 'STOPPED',
        activeSeconds: Math.floor(exactSeconds),
        endedAt: new Date(session.log.at(-1)![1]).toISOString(),
        runningSince: null,
      });
      const stored = await sql().query(`SELECT active_seconds::text AS s FROM work_sessions WHERE id = $1`, [session.id]);
      expect(stored.rows[0].s, `stored seconds of ${session.id}`).to.equal(exactSeconds.toFixed(6));
      // The log is exactly the clock times we drove.
      const log = ok(await session.technician.api.get(`/work-sessions/${session.id}/transitions`), 200, 'log');
      expect(
        log.items.map((e: any) => [e.toStatus, e.at]),
        `log of ${session.id}`,
      ).to.deep.equal(session.log.map(([status, at]) => [status, new Date(at).toISOString()]));
    }
  });
});

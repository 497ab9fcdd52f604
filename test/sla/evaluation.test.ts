import { expect } from 'chai';
import type pg from 'pg';
import { buildTicket, buildUser, loginAdmin, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import {
  advanceMinutes,
  cancelQuietly,
  connectDb,
  evaluate,
  evaluateFor,
  eventsOf,
  manualClock,
  ok,
  openStockout,
  parts,
  putRule,
  resolveStockout,
  restoreRules,
  SLA_TEST_ENV,
  snapshotRules,
  type SlaEvent,
} from '../support/sla.js';

/**
 * Each default rule of domain.md "SLA automation" fires WARNING (at warnAtPercent) then BREACH (at 100 %)
 * at the right minute; repeat suppression inside the cooldown; the escalation ladder. State is driven
 * through REST, time with the product's manual clock, evaluation through POST /sla/evaluate.
 */

const EVENT_KEYS = [
  'id', 'ruleKey', 'subjectType', 'subjectId', 'severity', 'level', 'measuredMinutes', 'thresholdMinutes', 'payload',
  'evaluatedAt', 'createdAt', 'evaluatedAtOrCreated', 'repeatOf', 'isRepeat',
];

describe('SLA evaluation: the seven rules, repeat suppression, escalation', function () {
  this.timeout(120_000);
  const t = useProduct({ manualClock: true, env: SLA_TEST_ENV });
  let admin: TestUser;
  let supervisor: TestUser;
  let db: pg.Client;
  let defaults: Map<string, Record<string, unknown>>;

  const now = () => manualClock(t).now();
  const iso = () => now().toISOString();

  /** Asserts one event of (rule, subject) was created now, with these fields, and returns it. */
  function expectOne(events: SlaEvent[], fields: Partial<SlaEvent>): SlaEvent {
    expect(events, JSON.stringify(events)).to.have.length(1);
    const e = events[0]!;
    expect(e).to.have.all.keys(...EVENT_KEYS);
    expect(e).to.deep.include(fields);
    expect(e.id).to.match(/^[0-9a-f-]{36}$/);
    expect(e.evaluatedAt).to.equal(iso());
    expect(e.createdAt).to.equal(iso());
    expect(e.evaluatedAtOrCreated).to.equal(iso());
    expect(e.isRepeat).to.equal(e.repeatOf !== null);
    return e;
  }

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    db = await connectDb(t.current.databaseUrl);
    defaults = await snapshotRules(admin);
  });
  after(async () => {
    await db?.end().catch(() => undefined);
  });
  afterEach(async () => {
    await restoreRules(admin, defaults);
  });

  async function startedTicket(technician: TestUser, srtMinutes = 20): Promise<{ ticket: any; sessionId: string }> {
    const [part] = await parts(admin, 1, srtMinutes);
    const ticket = await buildTicket(supervisor, { title: 'Started' });
    ok(await supervisor.api.post(`/tickets/${ticket.id}/part-specs`, { partId: part!.id }), 201, 'spec');
    ok(await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }), 200, 'assign');
    const started = ok(await technician.api.post(`/tickets/${ticket.id}/start`), 200, 'start');
    return { ticket: started, sessionId: started.openSession.id };
  }

  describe('each rule fires WARNING then BREACH at the right minute', () => {
    it('TICKET_UNDER_REVIEW_TOO_LONG: nothing at 47:59, WARNING at 48 (80 % of 60), nothing inside, BREACH at 60', async () => {
      const key = 'TICKET_UNDER_REVIEW_TOO_LONG';
      const ticket = await buildTicket(supervisor, { title: 'Under review' });
      advanceMinutes(t, 47 + 59 / 60);
      expect(eventsOf(await evaluate(admin), ticket.id), 'no event of any rule at 47:59').to.deep.equal([]);

      advanceMinutes(t, 1 / 60);
      const warning = expectOne(await evaluateFor(admin, ticket.id, key), {
        ruleKey: key, subjectType: 'TICKET', subjectId: ticket.id, severity: 'WARNING', level: 1,
        measuredMinutes: 48, thresholdMinutes: 60, repeatOf: null, isRepeat: false,
      });
      expect(warning.payload).to.deep.include({ ticketId: ticket.id, title: 'Under review', status: 'UNDER_REVIEW', technicianId: null });

      advanceMinutes(t, 11);
      expect(await evaluateFor(admin, ticket.id, key), 'at 59 the WARNING is in its cooldown, no BREACH yet').to.deep.equal([]);

      advanceMinutes(t, 1);
      const breach = expectOne(await evaluateFor(admin, ticket.id, key), {
        severity: 'BREACH', level: 1, measuredMinutes: 60, thresholdMinutes: 60, repeatOf: null, isRepeat: false,
      });
      // The events are on record, newest first.
      const listed = ok(await supervisor.api.get(`/sla/events?ticketId=${ticket.id}`), 200, 'list');
      expect(listed.items.map((e: SlaEvent) => e.id)).to.deep.equal([breach.id, warning.id]);
      expect(listed.items[0]).to.deep.equal(breach);
      await cancelQuietly(supervisor, ticket.id);
    });

    it('TICKET_NOT_STARTED: counts from the assignment, WARNING at 24 (80 % of 30), BREACH at 30', async () => {
      const key = 'TICKET_NOT_STARTED';
      const technician = await buildUser(t.current, admin, 'TECHNICIAN');
      const ticket = await buildTicket(supervisor, { title: 'Not started' });
      advanceMinutes(t, 10); // 10 minutes under review first: not part of this clock
      ok(await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }), 200, 'assign');

      advanceMinutes(t, 23 + 59 / 60);
      expect(eventsOf(await evaluate(admin), ticket.id), 'nothing at 23:59 after assignment').to.deep.equal([]);
      advanceMinutes(t, 1 / 60);
      const warning = expectOne(await evaluateFor(admin, ticket.id, key), {
        subjectType: 'TICKET', severity: 'WARNING', level: 1, measuredMinutes: 24, thresholdMinutes: 30, repeatOf: null,
      });
      expect(warning.payload).to.deep.include({ ticketId: ticket.id, title: 'Not started', status: 'ASSIGNED', technicianId: technician.id });
      advanceMinutes(t, 5);
      expect(await evaluateFor(admin, ticket.id, key)).to.deep.equal([]);
      advanceMinutes(t, 1);
      expectOne(await evaluateFor(admin, ticket.id, key), { severity: 'BREACH', level: 1, measuredMinutes: 30, thresholdMinutes: 30, repeatOf: null });

      // Started: the clock stops.
      ok(await technician.api.post(`/tickets/${ticket.id}/start`), 200, 'start');
      advanceMinutes(t, 500);
      expect(await evaluateFor(admin, ticket.id, key), 'no NOT_STARTED event once IN_PROGRESS').to.deep.equal([]);
      ok(await technician.api.post(`/tickets/${ticket.id}/release`, { reason: 'done here' }), 200, 'release');
      await cancelQuietly(supervisor, ticket.id);
    });

    it('TICKET_OVER_SRT: worked minutes over sessions vs srt × 1.5 (SRT 20 → 30): WARNING at 24 worked, BREACH at 30 worked', async () => {
      const key = 'TICKET_OVER_SRT';
      const technician = await buildUser(t.current, admin, 'TECHNICIAN');
      const { ticket, sessionId } = await startedTicket(technician, 20);

      advanceMinutes(t, 23 + 59 / 60);
      expect(await evaluateFor(admin, ticket.id, key), '23:59 worked').to.deep.equal([]);
      advanceMinutes(t, 1 / 60);
      const warning = expectOne(await evaluateFor(admin, ticket.id, key), {
        subjectType: 'TICKET', severity: 'WARNING', level: 1, measuredMinutes: 24, thresholdMinutes: 30, repeatOf: null,
      });
      expect(warning.payload).to.deep.include({
        ticketId: ticket.id, title: 'Started', status: 'IN_PROGRESS', technicianId: technician.id, srtTotalMinutes: 20,
      });

      advanceMinutes(t, 1); // 25 worked
      ok(await technician.api.post(`/work-sessions/${sessionId}/stop`), 200, 'stop');
      advanceMinutes(t, 10); // not working
      expect(await evaluateFor(admin, ticket.id, key), 'only 25 worked').to.deep.equal([]);
      const second = ok(await technician.api.post('/work-sessions', { ticketId: ticket.id }), 201, 'second session');
      advanceMinutes(t, 3); // 28 worked
      ok(await technician.api.post(`/work-sessions/${second.id}/pause`, { reason: 'BREAK' }), 200, 'pause');
      advanceMinutes(t, 4); // paused: still 28
      ok(await technician.api.post(`/work-sessions/${second.id}/resume`), 200, 'resume');
      advanceMinutes(t, 1 + 59 / 60); // 29:59 worked
      expect(await evaluateFor(admin, ticket.id, key), '29:59 worked').to.deep.equal([]);
      advanceMinutes(t, 1 / 60); // 30 worked
      expectOne(await evaluateFor(admin, ticket.id, key), { severity: 'BREACH', level: 1, measuredMinutes: 30, thresholdMinutes: 30, repeatOf: null });
      ok(await technician.api.post(`/tickets/${ticket.id}/release`, { reason: 'done here' }), 200, 'release');
      await cancelQuietly(supervisor, ticket.id);
    });

    it('TICKET_OVER_SRT with a fractional threshold (SRT 25 → 37.5): a BREACH never reports measured < threshold', async () => {
      const key = 'TICKET_OVER_SRT';
      const technician = await buildUser(t.current, admin, 'TECHNICIAN');
      const { ticket } = await startedTicket(technician, 25);
      advanceMinutes(t, 30);
      const [warning] = await evaluateFor(admin, ticket.id, key);
      expect(warning, 'WARNING at 80 % of 37.5 = 30').to.deep.include({ severity: 'WARNING', measuredMinutes: 30 });
      advanceMinutes(t, 7.5);
      const [breach] = await evaluateFor(admin, ticket.id, key);
      expect(breach, 'BREACH at 37.5 worked minutes').to.deep.include({ severity: 'BREACH', level: 1, measuredMinutes: 37.5 });
      expect(breach!.measuredMinutes, `BREACH at 100 %: measured ${breach!.measuredMinutes} vs threshold ${breach!.thresholdMinutes}`)
        .to.be.at.least(breach!.thresholdMinutes);
      expect(warning!.thresholdMinutes).to.equal(breach!.thresholdMinutes);
      ok(await technician.api.post(`/tickets/${ticket.id}/release`, { reason: 'done here' }), 200, 'release');
      await cancelQuietly(supervisor, ticket.id);
    });

    it('TICKET_WAITING_QC_TOO_LONG: WARNING at 24, BREACH at 30 in WAITING_QC; nothing once DONE', async () => {
      const key = 'TICKET_WAITING_QC_TOO_LONG';
      const technician = await buildUser(t.current, admin, 'TECHNICIAN');
      const { ticket } = await startedTicket(technician, 20);
      advanceMinutes(t, 5);
      ok(await technician.api.post(`/tickets/${ticket.id}/submit-qc`), 200, 'submit-qc');

      advanceMinutes(t, 23 + 59 / 60);
      expect(await evaluateFor(admin, ticket.id, key)).to.deep.equal([]);
      advanceMinutes(t, 1 / 60);
      const warning = expectOne(await evaluateFor(admin, ticket.id, key), {
        subjectType: 'TICKET', severity: 'WARNING', level: 1, measuredMinutes: 24, thresholdMinutes: 30, repeatOf: null,
      });
      expect(warning.payload).to.deep.include({ ticketId: ticket.id, title: 'Started', status: 'WAITING_QC', technicianId: technician.id });
      advanceMinutes(t, 6);
      expectOne(await evaluateFor(admin, ticket.id, key), { severity: 'BREACH', level: 1, measuredMinutes: 30, thresholdMinutes: 30 });

      ok(await supervisor.api.post(`/tickets/${ticket.id}/qc-pass`), 200, 'qc-pass');
      advanceMinutes(t, 2000);
      expect(eventsOf(await evaluate(admin), ticket.id), 'a DONE ticket has no running clock').to.deep.equal([]);
    });

    it('TICKET_TURNAROUND: from creation whatever the status, WARNING at 1152 (80 % of 1440), BREACH at 1440', async () => {
      const key = 'TICKET_TURNAROUND';
      const technician = await buildUser(t.current, admin, 'TECHNICIAN');
      const ticket = await buildTicket(supervisor, { title: 'Turnaround' });
      advanceMinutes(t, 100);
      ok(await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }), 200, 'assign');
      advanceMinutes(t, 1051 + 59 / 60);
      expect(await evaluateFor(admin, ticket.id, key)).to.deep.equal([]);
      advanceMinutes(t, 1 / 60);
      const warning = expectOne(await evaluateFor(admin, ticket.id, key), {
        subjectType: 'TICKET', severity: 'WARNING', level: 1, measuredMinutes: 1152, thresholdMinutes: 1440, repeatOf: null,
      });
      expect(warning.payload).to.deep.include({ ticketId: ticket.id, title: 'Turnaround', status: 'ASSIGNED', technicianId: technician.id });
      advanceMinutes(t, 239 + 59 / 60);
      expect(await evaluateFor(admin, ticket.id, key), 'at 1391:59 the WARNING is in its 240-minute cooldown').to.deep.equal([]);
      advanceMinutes(t, 1 / 60);
      expectOne(await evaluateFor(admin, ticket.id, key), {
        severity: 'WARNING', level: 1, measuredMinutes: 1392, repeatOf: warning.id, isRepeat: true,
      });
      advanceMinutes(t, 47);
      expect(await evaluateFor(admin, ticket.id, key), 'at 1439').to.deep.equal([]);
      advanceMinutes(t, 1);
      expectOne(await evaluateFor(admin, ticket.id, key), { severity: 'BREACH', level: 1, measuredMinutes: 1440, thresholdMinutes: 1440 });
      await cancelQuietly(supervisor, ticket.id);
    });

    it('SESSION_PAUSED_TOO_LONG: subject = the session, WARNING at 16 (80 % of 20), BREACH at 20; END_OF_SHIFT pauses never fire', async () => {
      const key = 'SESSION_PAUSED_TOO_LONG';
      const technician = await buildUser(t.current, admin, 'TECHNICIAN');
      const { ticket, sessionId } = await startedTicket(technician, 600);
      advanceMinutes(t, 5);
      ok(await technician.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'BREAK' }), 200, 'pause');

      advanceMinutes(t, 15 + 59 / 60);
      expect(await evaluateFor(admin, sessionId, key)).to.deep.equal([]);
      advanceMinutes(t, 1 / 60);
      const warning = expectOne(await evaluateFor(admin, sessionId, key), {
        subjectType: 'WORK_SESSION', subjectId: sessionId, severity: 'WARNING', level: 1, measuredMinutes: 16, thresholdMinutes: 20,
      });
      expect(warning.payload).to.deep.include({ sessionId, ticketId: ticket.id, technicianId: technician.id, pauseReason: 'BREAK' });
      advanceMinutes(t, 4);
      expectOne(await evaluateFor(admin, sessionId, key), { severity: 'BREACH', level: 1, measuredMinutes: 20, thresholdMinutes: 20 });

      ok(await technician.api.post(`/work-sessions/${sessionId}/resume`), 200, 'resume');
      advanceMinutes(t, 100);
      expect(await evaluateFor(admin, sessionId, key), 'a running session has no pause clock').to.deep.equal([]);

      ok(await technician.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'END_OF_SHIFT' }), 200, 'pause for the night');
      advanceMinutes(t, 16 * 60);
      expect(await evaluateFor(admin, sessionId, key), 'END_OF_SHIFT pauses are exempt').to.deep.equal([]);
      ok(await technician.api.post(`/tickets/${ticket.id}/release`, { reason: 'done here' }), 200, 'release');
      await cancelQuietly(supervisor, ticket.id);
    });

    it('STOCKOUT_OPEN_TOO_LONG: subject = the incident, WARNING at 192 (80 % of 240), BREACH at 240, nothing once resolved', async () => {
      const key = 'STOCKOUT_OPEN_TOO_LONG';
      const [part] = await parts(admin, 1);
      const incident = await openStockout(supervisor, part!.id);
      advanceMinutes(t, 191 + 59 / 60);
      expect(await evaluateFor(admin, incident.id, key)).to.deep.equal([]);
      advanceMinutes(t, 1 / 60);
      const warning = expectOne(await evaluateFor(admin, incident.id, key), {
        subjectType: 'STOCKOUT', subjectId: incident.id, severity: 'WARNING', level: 1, measuredMinutes: 192, thresholdMinutes: 240,
      });
      expect(warning.payload).to.deep.include({ stockoutId: incident.id, partId: part!.id, ticketId: null });
      advanceMinutes(t, 48);
      expectOne(await evaluateFor(admin, incident.id, key), { severity: 'BREACH', level: 1, measuredMinutes: 240, thresholdMinutes: 240 });
      advanceMinutes(t, 1);
      await resolveStockout(supervisor, incident.id);
      advanceMinutes(t, 1000);
      expect(await evaluateFor(admin, incident.id, key)).to.deep.equal([]);
    });

    it('a disabled rule creates nothing; enabled again it fires', async () => {
      const key = 'TICKET_UNDER_REVIEW_TOO_LONG';
      await putRule(admin, key, { enabled: false });
      const ticket = await buildTicket(supervisor);
      advanceMinutes(t, 61);
      expect(await evaluateFor(admin, ticket.id, key)).to.deep.equal([]);
      await putRule(admin, key, { enabled: true });
      expectOne(await evaluateFor(admin, ticket.id, key), { severity: 'BREACH', level: 1, measuredMinutes: 61 });
      await cancelQuietly(supervisor, ticket.id);
    });
  });

  describe('repeat suppression (cooldown)', () => {
    it('inside the cooldown nothing is created; after it the same (rule, subject, severity, level) again, repeat_of = the first', async () => {
      const key = 'TICKET_UNDER_REVIEW_TOO_LONG';
      // One level only (escalation far away) and a 30-minute cooldown.
      await putRule(admin, key, { cooldownMinutes: 30, escalateEveryMinutes: 100_000 });
      const ticket = await buildTicket(supervisor);
      advanceMinutes(t, 48);
      const warning = expectOne(await evaluateFor(admin, ticket.id, key), { severity: 'WARNING', repeatOf: null, isRepeat: false });
      advanceMinutes(t, 12);
      const first = expectOne(await evaluateFor(admin, ticket.id, key), {
        severity: 'BREACH', level: 1, measuredMinutes: 60, repeatOf: null, isRepeat: false,
      });
      for (const m of [1, 15, 13 + 59 / 60]) {
        advanceMinutes(t, m); // 61, 76, 89:59
        expect(await evaluateFor(admin, ticket.id, key), `inside the cooldown (+${m})`).to.deep.equal([]);
      }
      advanceMinutes(t, 1 / 60); // 90: the cooldown of the first BREACH is over
      const second = expectOne(await evaluateFor(admin, ticket.id, key), {
        severity: 'BREACH', level: 1, measuredMinutes: 90, repeatOf: first.id, isRepeat: true,
      });
      advanceMinutes(t, 29);
      expect(await evaluateFor(admin, ticket.id, key), 'inside the second cooldown').to.deep.equal([]);
      advanceMinutes(t, 1);
      // repeat_of points at the FIRST event of rule + subject + severity, not at the previous repeat.
      const third = expectOne(await evaluateFor(admin, ticket.id, key), {
        severity: 'BREACH', level: 1, measuredMinutes: 120, repeatOf: first.id, isRepeat: true,
      });
      expect(second.id).to.not.equal(third.id);

      const { rows } = await db.query(
        `SELECT id::text, severity, level, repeat_of::text AS repeat_of, measured_minutes::float8 AS m FROM sla_automation_events
         WHERE subject_id = $1 AND rule_key = $2 ORDER BY created_at, severity`,
        [ticket.id, key],
      );
      expect(rows).to.deep.equal([
        { id: warning.id, severity: 'WARNING', level: 1, repeat_of: null, m: 48 },
        { id: first.id, severity: 'BREACH', level: 1, repeat_of: null, m: 60 },
        { id: second.id, severity: 'BREACH', level: 1, repeat_of: first.id, m: 90 },
        { id: third.id, severity: 'BREACH', level: 1, repeat_of: first.id, m: 120 },
      ]);
      await cancelQuietly(supervisor, ticket.id);
    });

    it('evaluating again at the same instant creates nothing', async () => {
      const ticket = await buildTicket(supervisor);
      advanceMinutes(t, 60);
      const created = eventsOf(await evaluate(admin), ticket.id);
      expect(created.map((e) => [e.ruleKey, e.severity, e.level])).to.deep.equal([['TICKET_UNDER_REVIEW_TOO_LONG', 'BREACH', 1]]);
      expect(await evaluate(admin), 'a second evaluation at the same instant').to.deep.equal([]);
      await cancelQuietly(supervisor, ticket.id);
    });

    it('concurrent POST /sla/evaluate: every event is created exactly once (one outbox push, one SOCKET attempt)', async () => {
      const tickets = [];
      for (let i = 0; i < 5; i++) tickets.push(await buildTicket(supervisor));
      advanceMinutes(t, 60);
      const responses = await Promise.all(Array.from({ length: 6 }, () => admin.api.post('/sla/evaluate', {})));
      for (const res of responses) expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const all: SlaEvent[] = responses.flatMap((r) => r.body.created as SlaEvent[]);
      const keys = all.map((e) => `${e.ruleKey}/${e.subjectId}/${e.severity}/${e.level}`);
      expect(new Set(keys).size, 'no (rule, subject, severity, level) twice').to.equal(keys.length);
      expect(new Set(all.map((e) => e.id)).size).to.equal(all.length);
      for (const ticket of tickets) {
        const mine = eventsOf(all, ticket.id);
        expect(mine.map((e) => [e.ruleKey, e.severity, e.level, e.measuredMinutes])).to.deep.equal([
          ['TICKET_UNDER_REVIEW_TOO_LONG', 'BREACH', 1, 60],
        ]);
        const stored = await db.query(`SELECT id::text FROM sla_automation_events WHERE subject_id = $1`, [ticket.id]);
        expect(stored.rows.map((r) => r.id)).to.deep.equal([mine[0]!.id]);
        const pushes = await db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE type = 'sla.event' AND aggregate_id = $1`, [mine[0]!.id]);
        expect(pushes.rows[0].n).to.equal(1);
        const sockets = await db.query(`SELECT count(*)::int AS n FROM sla_delivery_attempts WHERE event_id = $1 AND channel = 'SOCKET'`, [mine[0]!.id]);
        expect(sockets.rows[0].n).to.equal(1);
      }
      await cancelQuietly(supervisor, ...tickets.map((x) => x.id));
    });
  });

  describe('escalation ladder', () => {
    it('a persisting breach climbs one level every escalateEveryMinutes up to maxLevel and stops there', async () => {
      const key = 'TICKET_UNDER_REVIEW_TOO_LONG';
      const rule = await putRule(admin, key, { thresholdMinutes: 10, warnAtPercent: 50, escalateEveryMinutes: 5, maxLevel: 3, cooldownMinutes: 1000 });
      expect(rule).to.deep.include({ key, thresholdMinutes: 10, warnAtPercent: 50, escalateEveryMinutes: 5, maxLevel: 3, cooldownMinutes: 1000 });
      const ticket = await buildTicket(supervisor);

      advanceMinutes(t, 4);
      expect(await evaluateFor(admin, ticket.id, key)).to.deep.equal([]);
      advanceMinutes(t, 1);
      expectOne(await evaluateFor(admin, ticket.id, key), { severity: 'WARNING', level: 1, measuredMinutes: 5, thresholdMinutes: 10 });
      advanceMinutes(t, 5);
      const l1 = expectOne(await evaluateFor(admin, ticket.id, key), { severity: 'BREACH', level: 1, measuredMinutes: 10, repeatOf: null });
      advanceMinutes(t, 4 + 59 / 60);
      expect(await evaluateFor(admin, ticket.id, key), '14:59: still level 1, in cooldown').to.deep.equal([]);
      advanceMinutes(t, 1 / 60);
      expectOne(await evaluateFor(admin, ticket.id, key), { severity: 'BREACH', level: 2, measuredMinutes: 15, repeatOf: l1.id, isRepeat: true });
      advanceMinutes(t, 5);
      expectOne(await evaluateFor(admin, ticket.id, key), { severity: 'BREACH', level: 3, measuredMinutes: 20, repeatOf: l1.id, isRepeat: true });
      for (const m of [5, 5, 30, 500]) {
        advanceMinutes(t, m);
        expect(await evaluateFor(admin, ticket.id, key), 'capped at maxLevel 3 and inside its cooldown').to.deep.equal([]);
      }
      // 1020 minutes: the level-3 cooldown (1000 min from minute 20) is over; the level stays 3.
      advanceMinutes(t, 1020 - 560);
      expectOne(await evaluateFor(admin, ticket.id, key), { severity: 'BREACH', level: 3, measuredMinutes: 1020, repeatOf: l1.id });
      const levels = await db.query(
        `SELECT severity, level FROM sla_automation_events WHERE subject_id = $1 AND rule_key = $2 ORDER BY created_at`,
        [ticket.id, key],
      );
      expect(levels.rows).to.deep.equal([
        { severity: 'WARNING', level: 1 },
        { severity: 'BREACH', level: 1 },
        { severity: 'BREACH', level: 2 },
        { severity: 'BREACH', level: 3 },
        { severity: 'BREACH', level: 3 },
      ]);
      await cancelQuietly(supervisor, ticket.id);
    });

    it('with the seeded values (UNDER_REVIEW: 60, every 60, max 3): L1 at 60, L2 at 120, L3 at 180, still L3 at 240', async () => {
      const key = 'TICKET_UNDER_REVIEW_TOO_LONG';
      const ticket = await buildTicket(supervisor);
      const at = async (minute: number) => {
        advanceMinutes(t, minute - (now().getTime() - new Date(ticket.createdAt).getTime()) / 60_000);
        return (await evaluateFor(admin, ticket.id, key)).map((e) => [e.severity, e.level, e.measuredMinutes]);
      };
      expect(await at(60)).to.deep.equal([['BREACH', 1, 60]]);
      expect(await at(119)).to.deep.equal([]);
      expect(await at(120)).to.deep.equal([['BREACH', 2, 120]]);
      expect(await at(179)).to.deep.equal([]);
      expect(await at(180)).to.deep.equal([['BREACH', 3, 180]]);
      expect(await at(239)).to.deep.equal([]);
      expect(await at(240)).to.deep.equal([['BREACH', 3, 240]]);
      await cancelQuietly(supervisor, ticket.id);
    });

    it('a stockout breach escalates too (STOCKOUT_OPEN_TOO_LONG every 120 min)', async () => {
      const key = 'STOCKOUT_OPEN_TOO_LONG';
      const [part] = await parts(admin, 1);
      const incident = await openStockout(supervisor, part!.id);
      advanceMinutes(t, 240);
      expectOne(await evaluateFor(admin, incident.id, key), { severity: 'BREACH', level: 1, measuredMinutes: 240 });
      advanceMinutes(t, 120);
      expectOne(await evaluateFor(admin, incident.id, key), { severity: 'BREACH', level: 2, measuredMinutes: 360 });
      advanceMinutes(t, 120);
      expectOne(await evaluateFor(admin, incident.id, key), { severity: 'BREACH', level: 3, measuredMinutes: 480 });
      await resolveStockout(supervisor, incident.id);
    });
  });
});

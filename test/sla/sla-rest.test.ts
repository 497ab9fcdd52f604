import { expect } from 'chai';
import { ApiClient } from '../support/api-client.js';
import { buildTicket, buildUser, expectError, loginAdmin, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import { connectSocket, type RecordingSocket } from '../support/socket-client.js';
import {
  advanceMinutes,
  cancelQuietly,
  evaluate,
  eventsOf,
  manualClock,
  ok,
  openStockout,
  parts,
  putRule,
  resolveStockout,
  restoreRules,
  RULES,
  SLA_TEST_ENV,
  snapshotRules,
  type SlaEvent,
} from '../support/sla.js';

/** The SLA REST contract (api.md) and the `sla.event` push. */

const CHANNELS = { '1': ['SOCKET', 'WEBHOOK'], '2': ['SOCKET', 'WEBHOOK'], '3': ['SOCKET', 'WEBHOOK'] };
/** The seeded rules: domain.md's thresholds and warnAtPercent 80, the migration's cooldown / escalation values. */
const SEEDED: Record<string, [subject: string, threshold: number, cooldown: number, escalate: number, srtFactor: number | null]> = {
  SESSION_PAUSED_TOO_LONG: ['WORK_SESSION', 20, 30, 30, null],
  STOCKOUT_OPEN_TOO_LONG: ['STOCKOUT', 240, 120, 120, null],
  TICKET_NOT_STARTED: ['TICKET', 30, 60, 60, null],
  TICKET_OVER_SRT: ['TICKET', 0, 60, 60, 1.5],
  TICKET_TURNAROUND: ['TICKET', 1440, 240, 240, null],
  TICKET_UNDER_REVIEW_TOO_LONG: ['TICKET', 60, 60, 60, null],
  TICKET_WAITING_QC_TOO_LONG: ['TICKET', 30, 60, 60, null],
};

describe('SLA REST contract and pushes', function () {
  this.timeout(60_000);
  const t = useProduct({ manualClock: true, env: SLA_TEST_ENV });
  let admin: TestUser;
  let supervisor: TestUser;
  let technician: TestUser;
  let wallboard: TestUser;
  let anonymous: ApiClient;
  let defaults: Map<string, Record<string, unknown>>;
  const sockets: RecordingSocket[] = [];

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    technician = await buildUser(t.current, admin, 'TECHNICIAN');
    wallboard = await buildUser(t.current, admin, 'WALLBOARD');
    anonymous = new ApiClient(t.current.product.url);
    defaults = await snapshotRules(admin);
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await restoreRules(admin, defaults);
  });

  describe('GET /sla/rules', () => {
    it('SUPERVISOR+: the seven seeded rules, sorted by key', async () => {
      for (const user of [supervisor, admin]) {
        const body = ok(await user.api.get('/sla/rules'), 200, 'GET /sla/rules');
        expect(body.items.map((r: any) => r.key)).to.deep.equal([...RULES]);
        for (const rule of body.items) {
          const [subject, threshold, cooldown, escalate, srtFactor] = SEEDED[rule.key]!;
          expect(rule).to.have.all.keys(
            'key', 'subject', 'enabled', 'thresholdMinutes', 'warnAtPercent', 'cooldownMinutes', 'escalateEveryMinutes', 'maxLevel', 'srtFactor', 'channels', 'updatedAt',
          );
          expect(rule, rule.key).to.deep.include({
            key: rule.key, subject, enabled: true, thresholdMinutes: threshold, warnAtPercent: 80, cooldownMinutes: cooldown,
            escalateEveryMinutes: escalate, maxLevel: 3, srtFactor, channels: CHANNELS,
          });
        }
      }
    });

    it('TECHNICIAN and WALLBOARD 403, no token 401', async () => {
      expectError(await technician.api.get('/sla/rules'), 403, 'FORBIDDEN');
      expectError(await wallboard.api.get('/sla/rules'), 403, 'FORBIDDEN');
      expectError(await anonymous.get('/sla/rules'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('PUT /sla/rules/:key', () => {
    const KEY = 'TICKET_WAITING_QC_TOO_LONG';

    it('ADMIN changes any of the fields; the response and GET show the new values', async () => {
      const at = manualClock(t).now().toISOString();
      const rule = await putRule(admin, KEY, { thresholdMinutes: 45, warnAtPercent: 50, cooldownMinutes: 15, escalateEveryMinutes: 10, maxLevel: 5, enabled: false });
      expect(rule).to.deep.include({ key: KEY, thresholdMinutes: 45, warnAtPercent: 50, cooldownMinutes: 15, escalateEveryMinutes: 10, maxLevel: 5, enabled: false, updatedAt: at });
      const listed = ok(await supervisor.api.get('/sla/rules'), 200, 'GET').items.find((r: any) => r.key === KEY);
      expect(listed).to.deep.equal(rule);
      // Only the given fields change.
      expect(await putRule(admin, KEY, { warnAtPercent: 100 })).to.deep.include({ thresholdMinutes: 45, warnAtPercent: 100, enabled: false });
      expect(await putRule(admin, KEY, { warnAtPercent: 1 })).to.deep.include({ warnAtPercent: 1 });
      expect(await putRule(admin, KEY, { thresholdMinutes: 0 })).to.deep.include({ thresholdMinutes: 0 });
    });

    it('validation: 400 for thresholdMinutes < 0, warnAtPercent outside 1–100, bad types, unknown fields, an empty body; nothing changes', async () => {
      const before = ok(await admin.api.get('/sla/rules'), 200, 'GET').items.find((r: any) => r.key === KEY);
      for (const bad of [
        { thresholdMinutes: -1 },
        { thresholdMinutes: 1.5 },
        { thresholdMinutes: '30' },
        { warnAtPercent: 0 },
        { warnAtPercent: 101 },
        { cooldownMinutes: -5 },
        { escalateEveryMinutes: 0 },
        { maxLevel: 0 },
        { enabled: 'yes' },
        { thresholdMinutes: 30, colour: 'red' },
        {},
      ]) {
        expectError(await admin.api.put(`/sla/rules/${KEY}`, bad), 400, 'VALIDATION_FAILED');
      }
      const after = ok(await admin.api.get('/sla/rules'), 200, 'GET').items.find((r: any) => r.key === KEY);
      expect(after).to.deep.equal(before);
    });

    it('unknown key 404; SUPERVISOR / TECHNICIAN 403; no token 401', async () => {
      expectError(await admin.api.put('/sla/rules/NO_SUCH_RULE', { thresholdMinutes: 5 }), 404, 'NOT_FOUND');
      expectError(await supervisor.api.put(`/sla/rules/${KEY}`, { thresholdMinutes: 5 }), 403, 'FORBIDDEN');
      expectError(await technician.api.put(`/sla/rules/${KEY}`, { thresholdMinutes: 5 }), 403, 'FORBIDDEN');
      expectError(await anonymous.put(`/sla/rules/${KEY}`, { thresholdMinutes: 5 }), 401, 'UNAUTHENTICATED');
    });

    it('thresholdMinutes 0 fires at the next evaluation (a stockout opened this very instant breaches at once)', async () => {
      await putRule(admin, 'STOCKOUT_OPEN_TOO_LONG', { thresholdMinutes: 0 });
      const [part] = await parts(admin, 1);
      const incident = await openStockout(supervisor, part!.id);
      const events = eventsOf(await evaluate(admin), incident.id);
      expect(events.map((e) => [e.ruleKey, e.severity, e.level, e.measuredMinutes, e.thresholdMinutes])).to.deep.equal([
        ['STOCKOUT_OPEN_TOO_LONG', 'BREACH', 1, 0, 0],
      ]);
      await resolveStockout(supervisor, incident.id);
    });

    it('GET /floor lists a breach while its subject is open, and drops it once resolved', async () => {
      await putRule(admin, 'STOCKOUT_OPEN_TOO_LONG', { thresholdMinutes: 0 });
      const [part] = await parts(admin, 1);
      const incident = await openStockout(supervisor, part!.id);
      const [breach] = eventsOf(await evaluate(admin), incident.id);
      const floor = ok(await supervisor.api.get('/floor'), 200, 'floor');
      expect(floor.openBreaches.map((e: any) => e.id)).to.include(breach!.id);
      expect(floor.openBreaches.find((e: any) => e.id === breach!.id)).to.include({ ruleKey: 'STOCKOUT_OPEN_TOO_LONG', severity: 'BREACH' });
      await resolveStockout(supervisor, incident.id);
      const after = ok(await supervisor.api.get('/floor'), 200, 'floor');
      expect(after.openBreaches.map((e: any) => e.id)).to.not.include(breach!.id);
    });
  });

  describe('GET /sla/events and attempts; POST /sla/evaluate', () => {
    let a: any;
    let b: any;
    let created: { warnA: SlaEvent; warnB: SlaEvent; breachA: SlaEvent; breachB: SlaEvent };
    let breachAt: string;

    before(async () => {
      a = await buildTicket(supervisor, { title: 'A' });
      b = await buildTicket(supervisor, { title: 'B' });
      advanceMinutes(t, 48);
      const warnings = await evaluate(admin);
      advanceMinutes(t, 12);
      breachAt = manualClock(t).now().toISOString();
      const breaches = await evaluate(admin);
      created = {
        warnA: eventsOf(warnings, a.id)[0]!,
        warnB: eventsOf(warnings, b.id)[0]!,
        breachA: eventsOf(breaches, a.id)[0]!,
        breachB: eventsOf(breaches, b.id)[0]!,
      };
      await cancelQuietly(supervisor, a.id, b.id);
    });

    const ids = (res: any) => res.items.map((e: SlaEvent) => e.id);

    it('?ticketId= narrows to one ticket, newest first', async () => {
      expect(ids(ok(await supervisor.api.get(`/sla/events?ticketId=${a.id}`), 200, 'list'))).to.deep.equal([created.breachA.id, created.warnA.id]);
      expect(ok(await admin.api.get(`/sla/events?ticketId=${b.id}`), 200, 'list').items).to.deep.equal([created.breachB, created.warnB]);
    });

    it('?severity= and ?since= filter, also combined', async () => {
      expect(ids(ok(await supervisor.api.get(`/sla/events?ticketId=${a.id}&severity=BREACH`), 200, 'list'))).to.deep.equal([created.breachA.id]);
      expect(ids(ok(await supervisor.api.get(`/sla/events?ticketId=${a.id}&severity=WARNING`), 200, 'list'))).to.deep.equal([created.warnA.id]);
      const warnings = ok(await supervisor.api.get('/sla/events?severity=WARNING'), 200, 'list').items as SlaEvent[];
      expect(warnings.every((e) => e.severity === 'WARNING')).to.equal(true);
      expect(warnings.map((e) => e.id)).to.include.members([created.warnA.id, created.warnB.id]);
      const since = ok(await supervisor.api.get(`/sla/events?since=${encodeURIComponent(breachAt)}`), 200, 'list').items as SlaEvent[];
      expect(since.map((e) => e.id)).to.have.members([created.breachA.id, created.breachB.id]);
      expect(ids(ok(await supervisor.api.get(`/sla/events?ticketId=${b.id}&since=${encodeURIComponent(breachAt)}`), 200, 'list'))).to.deep.equal([created.breachB.id]);
      const later = new Date(new Date(breachAt).getTime() + 1).toISOString();
      expect(ok(await supervisor.api.get(`/sla/events?since=${encodeURIComponent(later)}`), 200, 'list').items).to.deep.equal([]);
    });

    it('bad filters 400; TECHNICIAN / WALLBOARD 403', async () => {
      expectError(await supervisor.api.get('/sla/events?severity=CRITICAL'), 400, 'VALIDATION_FAILED');
      expectError(await supervisor.api.get('/sla/events?ticketId=not-a-uuid'), 400, 'VALIDATION_FAILED');
      expectError(await supervisor.api.get('/sla/events?since=yesterday'), 400, 'VALIDATION_FAILED');
      expectError(await technician.api.get('/sla/events'), 403, 'FORBIDDEN');
      expectError(await wallboard.api.get('/sla/events'), 403, 'FORBIDDEN');
    });

    it('GET /sla/events/:id/attempts: the SOCKET attempt; 404 for an unknown event, 400 for a malformed id, 403 for a technician', async () => {
      const body = ok(await supervisor.api.get(`/sla/events/${created.breachA.id}/attempts`), 200, 'attempts');
      expect(body.items).to.have.length(1);
      expect(body.items[0]).to.deep.include({
        eventId: created.breachA.id, channel: 'SOCKET', target: 'outbox', targetId: null, attemptNo: 1, outcome: 'SUCCESS',
        httpStatus: null, responseExcerpt: null, error: null, durationMs: 0, createdAt: breachAt,
      });
      expectError(await supervisor.api.get('/sla/events/00000000-0000-4000-8000-000000000000/attempts'), 404, 'NOT_FOUND');
      expectError(await supervisor.api.get('/sla/events/nope/attempts'), 400, 'VALIDATION_FAILED');
      expectError(await technician.api.get(`/sla/events/${created.breachA.id}/attempts`), 403, 'FORBIDDEN');
    });

    it('POST /sla/evaluate is ADMIN only', async () => {
      expectError(await supervisor.api.post('/sla/evaluate', {}), 403, 'FORBIDDEN');
      expectError(await technician.api.post('/sla/evaluate', {}), 403, 'FORBIDDEN');
      expectError(await wallboard.api.post('/sla/evaluate', {}), 403, 'FORBIDDEN');
      expectError(await anonymous.post('/sla/evaluate', {}), 401, 'UNAUTHENTICATED');
      expect(ok(await admin.api.post('/sla/evaluate', {}), 200, 'admin')).to.deep.equal({ created: [] });
    });
  });

  describe('the sla.event push', () => {
    it('reaches the floor (supervisor, wallboard) and the technician concerned, not another technician', async () => {
      const other = await buildUser(t.current, admin, 'TECHNICIAN');
      const url = t.current.product.url;
      const floor = await connectSocket(url, supervisor.token);
      const board = await connectSocket(url, wallboard.token);
      const mine = await connectSocket(url, technician.token);
      const theirs = await connectSocket(url, other.token);
      sockets.push(floor, board, mine, theirs);

      const ticket = await buildTicket(supervisor, { title: 'Push me' });
      ok(await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }), 200, 'assign');
      advanceMinutes(t, 1);
      const otherTicket = await buildTicket(supervisor, { title: 'Not yours' });
      ok(await supervisor.api.post(`/tickets/${otherTicket.id}/assign`, { technicianId: other.id }), 200, 'assign');

      advanceMinutes(t, 29); // 30 minutes after the first assignment
      const [event] = eventsOf(await evaluate(admin), ticket.id, 'TICKET_NOT_STARTED');
      expect(event).to.deep.include({ severity: 'BREACH', level: 1 });
      for (const s of [floor, board, mine]) {
        const push = await s.waitFor((p) => p.type === 'sla.event' && (p.data as any).id === event!.id);
        expect(push.seq).to.be.a('number');
        expect(push.data).to.deep.equal(event);
      }
      // Later, an event for the other technician: they get theirs, and never got the first one.
      advanceMinutes(t, 1);
      const [otherEvent] = eventsOf(await evaluate(admin), otherTicket.id, 'TICKET_NOT_STARTED');
      expect(otherEvent).to.deep.include({ severity: 'BREACH', level: 1 });
      await theirs.waitFor((p) => p.type === 'sla.event' && (p.data as any).id === otherEvent!.id);
      await floor.waitFor((p) => p.type === 'sla.event' && (p.data as any).id === otherEvent!.id);
      // (the other ticket's WARNING of the first evaluation came too: it is theirs)
      const slaOf = (s: RecordingSocket) => s.pushes.filter((p) => p.type === 'sla.event').map((p) => p.data as unknown as SlaEvent);
      expect(slaOf(theirs).map((e) => e.id)).to.include(otherEvent!.id).and.not.include(event!.id);
      expect(slaOf(theirs).every((e) => e.subjectId === otherTicket.id && e.payload.technicianId === other.id)).to.equal(true);
      expect(slaOf(mine).map((e) => e.id)).to.deep.equal([event!.id]);
      expect(slaOf(floor).map((e) => e.id)).to.include.members([event!.id, otherEvent!.id]);
      await cancelQuietly(supervisor, ticket.id, otherTicket.id);
    });
  });
});

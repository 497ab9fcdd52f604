import { expect } from 'chai';
import { buildPart, buildTicketIn, buildUser, loginAdmin, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import { Workbench } from '../support/analytics.js';
import { evaluate, manualClock, ok, putRule, SLA_TEST_ENV } from '../support/sla.js';

/**
 * GET /floor contents (api.md "Analytics shapes"), with the manual clock: counts by status, each
 * technician's current ticket, flag colour, session state and live timer, open stockouts and breaches.
 */
describe('floor snapshot contents (GET /floor)', function () {
  this.timeout(120_000);
  const t = useProduct({ manualClock: true, env: SLA_TEST_ENV });
  let admin: TestUser;
  let supervisor: TestUser;
  let wallboard: TestUser;
  let green: { id: string };
  let yellow: { id: string };
  let red: { id: string };

  const floor = async () => ok(await wallboard.api.get('/floor'), 200, 'floor');
  const advance = (ms: number) => manualClock(t).advance(ms);
  const technician = () => buildUser(t.current, admin, 'TECHNICIAN');
  const entryOf = (snapshot: any, tech: TestUser) => snapshot.technicians.find((x: any) => x.id === tech.id);

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    wallboard = await buildUser(t.current, admin, 'WALLBOARD');
    green = await buildPart(admin, 20); // flag 24 → GREEN (≤ 30)
    yellow = await buildPart(admin, 50); // flag 54 → YELLOW (≤ 90)
    red = await buildPart(admin, 100); // flag 102 → RED
  });

  it('counts the active tickets by status, every active status present, DONE and CANCELLED not', async () => {
    expect((await floor()).ticketsByStatus).to.deep.equal({ UNDER_REVIEW: 0, ASSIGNED: 0, IN_PROGRESS: 0, WAITING_QC: 0, REWORK: 0 });
    const statuses = ['UNDER_REVIEW', 'UNDER_REVIEW', 'ASSIGNED', 'IN_PROGRESS', 'WAITING_QC', 'REWORK', 'DONE', 'CANCELLED'] as const;
    for (const status of statuses) await buildTicketIn(status, { admin, supervisor, technician: await technician(), part: green });
    expect((await floor()).ticketsByStatus).to.deep.equal({ UNDER_REVIEW: 2, ASSIGNED: 1, IN_PROGRESS: 1, WAITING_QC: 1, REWORK: 1 });
  });

  it('each technician: current ticket with flag colour, session state and a live timer that moves with the clock', async () => {
    const busy = await technician();
    const waiting = await technician();
    const idle = await technician();
    const finished = await technician();
    const bench = await new Workbench({ admin, supervisor }, busy, yellow).start();
    advance(1_000);
    const later = await buildTicketIn('ASSIGNED', { admin, supervisor, technician: busy, part: green });
    const submitted = await buildTicketIn('WAITING_QC', { admin, supervisor, technician: waiting, part: red });
    await buildTicketIn('DONE', { admin, supervisor, technician: finished, part: green });

    const name = (u: TestUser) => `TECHNICIAN ${u.username}`;
    const running = (activeSeconds: number, status = 'RUNNING') => ({ id: bench.sessionId, status, activeSeconds });
    const busyEntry = (session: object | null) => ({
      id: busy.id,
      name: name(busy),
      ticket: { id: bench.ticket.id, title: bench.ticket.title, status: 'IN_PROGRESS', flagColor: 'YELLOW' },
      session,
    });

    let snapshot = await floor();
    expect(snapshot.at).to.equal(manualClock(t).now().toISOString());
    expect(entryOf(snapshot, busy), 'in progress wins over a more recently updated assigned ticket').to.deep.equal(busyEntry(running(1)));
    expect(later.status).to.equal('ASSIGNED');
    expect(entryOf(snapshot, waiting)).to.deep.equal({
      id: waiting.id,
      name: name(waiting),
      ticket: { id: submitted.id, title: submitted.title, status: 'WAITING_QC', flagColor: 'RED' },
      session: null,
    });
    expect(entryOf(snapshot, idle)).to.deep.equal({ id: idle.id, name: name(idle), ticket: null, session: null });
    expect(entryOf(snapshot, finished), 'a DONE ticket is nobody’s current ticket').to.deep.equal({
      id: finished.id,
      name: name(finished),
      ticket: null,
      session: null,
    });

    advance(89_500);
    expect(entryOf(await floor(), busy)).to.deep.equal(busyEntry(running(90)));
    advance(29_500);
    expect(entryOf(await floor(), busy)).to.deep.equal(busyEntry(running(120)));
    await bench.pause('BREAK');
    advance(3_600_000);
    expect(entryOf(await floor(), busy), 'paused: the timer stands').to.deep.equal(busyEntry(running(120, 'PAUSED')));
    await bench.resume();
    advance(30_000);
    snapshot = await floor();
    expect(entryOf(snapshot, busy)).to.deep.equal(busyEntry(running(150)));
    expect(snapshot.at).to.equal(manualClock(t).now().toISOString());

    await bench.submit();
    expect(entryOf(await floor(), busy)).to.deep.equal({
      ...busyEntry(null),
      ticket: { id: bench.ticket.id, title: bench.ticket.title, status: 'WAITING_QC', flagColor: 'YELLOW' },
    });
  });

  it('open stockouts with live open minutes; open breaches only after an SLA evaluation found one', async () => {
    const tech = await technician();
    const bench = await new Workbench({ admin, supervisor }, tech, green).start();
    let snapshot = await floor();
    expect(snapshot.openStockouts).to.deep.equal([]);
    expect(snapshot.openBreaches).to.deep.equal([]);

    const incident = ok(await tech.api.post('/stockouts', { partId: green.id, ticketId: bench.ticket.id, note: 'none left' }), 201, 'stockout');
    advance(3 * 60_000);
    snapshot = await floor();
    expect(snapshot.openStockouts).to.deep.equal([
      {
        id: incident.id,
        partId: green.id,
        ticketId: bench.ticket.id,
        status: 'OPEN',
        startedAt: incident.startedAt,
        resolvedAt: null,
        reportedBy: tech.id,
        resolvedBy: null,
        note: 'none left',
        resolutionNote: null,
        openMinutes: 3,
      },
    ]);

    await putRule(admin, 'STOCKOUT_OPEN_TOO_LONG', { thresholdMinutes: 0 });
    const breach = (await evaluate(admin)).find((e) => e.subjectId === incident.id && e.severity === 'BREACH');
    expect(breach, 'a breach of the open stockout').to.not.equal(undefined);
    snapshot = await floor();
    expect(snapshot.openBreaches.map((e: any) => [e.id, e.ruleKey, e.subjectId])).to.deep.include([
      breach!.id,
      'STOCKOUT_OPEN_TOO_LONG',
      incident.id,
    ]);

    ok(await supervisor.api.post(`/stockouts/${incident.id}/resolve`, {}), 200, 'resolve');
    snapshot = await floor();
    expect(snapshot.openStockouts).to.deep.equal([]);
    expect(snapshot.openBreaches.map((e: any) => e.subjectId)).to.not.include(incident.id);
  });
});

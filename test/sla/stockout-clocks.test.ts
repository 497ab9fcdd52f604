import { expect } from 'chai';
import { buildUser, loginAdmin, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import {
  advanceMinutes,
  cancelQuietly,
  evaluateFor,
  measure,
  ok,
  openStockout,
  parts,
  probeRule,
  resolveStockout,
  restoreRules,
  SLA_TEST_ENV,
  snapshotRules,
  ticketWithParts,
} from '../support/sla.js';

/**
 * Stockout pause math (domain.md StockoutIncident + SLA automation): a ticket's SLA clocks do not run
 * while an incident of a part in its active specs is open; overlapping incidents are excluded once.
 * The rule under test is turned into a probe (threshold 0, no cooldown) so that every evaluation
 * reports the clock's exact measured minutes.
 */
describe('SLA clocks minus stockouts', function () {
  this.timeout(120_000);
  const t = useProduct({ manualClock: true, env: SLA_TEST_ENV });
  let admin: TestUser;
  let supervisor: TestUser;
  let defaults: Map<string, Record<string, unknown>>;
  const UNDER_REVIEW = 'TICKET_UNDER_REVIEW_TOO_LONG';

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    defaults = await snapshotRules(admin);
  });
  beforeEach(async () => {
    await probeRule(admin, UNDER_REVIEW);
  });
  afterEach(async () => {
    await restoreRules(admin, defaults);
  });

  it('no stockout: the clock is the wall-clock minutes', async () => {
    const [p] = await parts(admin, 1);
    const ticket = await ticketWithParts(supervisor, [p!]);
    advanceMinutes(t, 37.5);
    expect(await measure(admin, ticket.id, UNDER_REVIEW)).to.equal(37.5);
    await cancelQuietly(supervisor, ticket.id);
  });

  it('a partial incident (resolved) is excluded: 60 − 14.75 = 45.25', async () => {
    const [p] = await parts(admin, 1);
    const ticket = await ticketWithParts(supervisor, [p!]);
    advanceMinutes(t, 10.5);
    const incident = await openStockout(supervisor, p!.id);
    advanceMinutes(t, 14.75);
    await resolveStockout(supervisor, incident.id);
    advanceMinutes(t, 60 - 25.25);
    expect(await measure(admin, ticket.id, UNDER_REVIEW)).to.equal(45.25);
    await cancelQuietly(supervisor, ticket.id);
  });

  it('an open-ended incident pauses the clock until now; resolved, the clock runs again (recomputed, not accumulated)', async () => {
    const [p] = await parts(admin, 1);
    const ticket = await ticketWithParts(supervisor, [p!]);
    advanceMinutes(t, 20);
    const incident = await openStockout(supervisor, p!.id);
    advanceMinutes(t, 40);
    expect(await measure(admin, ticket.id, UNDER_REVIEW), 'at 60, open since 20').to.equal(20);
    advanceMinutes(t, 10);
    expect(await measure(admin, ticket.id, UNDER_REVIEW), 'at 70, still open').to.equal(20);
    await resolveStockout(supervisor, incident.id);
    advanceMinutes(t, 20);
    expect(await measure(admin, ticket.id, UNDER_REVIEW), 'at 90, resolved at 70').to.equal(40);
    await cancelQuietly(supervisor, ticket.id);
  });

  it('several incidents (two parts, and the same part twice) are all excluded: 60 − 5 − 10 − 5 = 40', async () => {
    const [p1, p2] = await parts(admin, 2);
    const ticket = await ticketWithParts(supervisor, [p1!, p2!]);
    advanceMinutes(t, 10);
    const a = await openStockout(supervisor, p1!.id);
    advanceMinutes(t, 5);
    await resolveStockout(supervisor, a.id); // [10, 15)
    advanceMinutes(t, 15);
    const b = await openStockout(supervisor, p2!.id);
    advanceMinutes(t, 10);
    await resolveStockout(supervisor, b.id); // [30, 40)
    advanceMinutes(t, 10);
    const c = await openStockout(supervisor, p1!.id);
    advanceMinutes(t, 5);
    await resolveStockout(supervisor, c.id); // [50, 55)
    advanceMinutes(t, 5);
    expect(await measure(admin, ticket.id, UNDER_REVIEW)).to.equal(40);
    await cancelQuietly(supervisor, ticket.id);
  });

  it('overlapping incidents are counted once; one that began before the clock is clipped to it: 60 − 5 − 30 = 25', async () => {
    const [p1, p2, p3, p4] = await parts(admin, 4);
    const early = await openStockout(supervisor, p3!.id); // 30 minutes before the ticket exists
    advanceMinutes(t, 30);
    const ticket = await ticketWithParts(supervisor, [p1!, p2!, p3!, p4!]);
    advanceMinutes(t, 5);
    await resolveStockout(supervisor, early.id); // [−30, 5) → [0, 5)
    advanceMinutes(t, 5);
    const a = await openStockout(supervisor, p1!.id); // [10, 30)
    advanceMinutes(t, 2);
    const nested = await openStockout(supervisor, p4!.id); // [12, 18): inside a
    advanceMinutes(t, 6);
    await resolveStockout(supervisor, nested.id);
    advanceMinutes(t, 2);
    const b = await openStockout(supervisor, p2!.id); // [20, 40): overlaps a
    advanceMinutes(t, 10);
    await resolveStockout(supervisor, a.id);
    advanceMinutes(t, 10);
    await resolveStockout(supervisor, b.id);
    advanceMinutes(t, 20);
    // union = [0, 5) ∪ [10, 40) = 35 minutes excluded of 60
    expect(await measure(admin, ticket.id, UNDER_REVIEW)).to.equal(25);
    await cancelQuietly(supervisor, ticket.id);
  });

  it('an incident of a part NOT in the ticket’s active specs is not excluded; one of its part pauses every ticket that has it', async () => {
    const [p, q] = await parts(admin, 2);
    const a = await ticketWithParts(supervisor, [p!]);
    advanceMinutes(t, 5);
    const b = await ticketWithParts(supervisor, [p!]);
    const c = await ticketWithParts(supervisor, [q!]);
    advanceMinutes(t, 5);
    const other = await openStockout(supervisor, q!.id); // [10, 30) — only c has q
    advanceMinutes(t, 20);
    await resolveStockout(supervisor, other.id);
    advanceMinutes(t, 10);
    const mine = await openStockout(supervisor, p!.id); // [40, 50) — a and b have p
    advanceMinutes(t, 10);
    await resolveStockout(supervisor, mine.id);
    advanceMinutes(t, 10);
    expect(await measure(admin, a.id, UNDER_REVIEW), 'a: 60 − 10').to.equal(50);
    expect(await measure(admin, b.id, UNDER_REVIEW), 'b (created at 5): 55 − 10').to.equal(45);
    expect(await measure(admin, c.id, UNDER_REVIEW), 'c (created at 5): 55 − 20').to.equal(35);
    await cancelQuietly(supervisor, a.id, b.id, c.id);
  });

  it('a deactivated spec’s part is no longer excluded (active specs only)', async () => {
    const [p, r] = await parts(admin, 2);
    const ticket = await ticketWithParts(supervisor, [p!, r!]);
    const specR = ticket.specs[1];
    expect(specR.partId).to.equal(r!.id);
    advanceMinutes(t, 10);
    const incident = await openStockout(supervisor, r!.id);
    advanceMinutes(t, 20);
    await resolveStockout(supervisor, incident.id); // [10, 30)
    advanceMinutes(t, 30);
    expect(await measure(admin, ticket.id, UNDER_REVIEW), 'with the spec of r active').to.equal(40);
    ok(await supervisor.api.delete(`/tickets/${ticket.id}/part-specs/${specR.id}`), 200, 'deactivate spec');
    advanceMinutes(t, 1);
    expect(await measure(admin, ticket.id, UNDER_REVIEW), 'r is no longer in the active specs').to.equal(61);
    await cancelQuietly(supervisor, ticket.id);
  });

  it('the NOT_STARTED clock is clipped to the assignment: an incident open since before it pauses it from the assignment on', async () => {
    const key = 'TICKET_NOT_STARTED';
    await probeRule(admin, key);
    const technician = await buildUser(t.current, admin, 'TECHNICIAN');
    const [p] = await parts(admin, 1);
    const ticket = await ticketWithParts(supervisor, [p!]);
    advanceMinutes(t, 5);
    const incident = await openStockout(supervisor, p!.id);
    advanceMinutes(t, 5);
    ok(await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }), 200, 'assign'); // clock starts at 10
    advanceMinutes(t, 30);
    expect(await measure(admin, ticket.id, key), 'at 40, the incident covers the whole clock').to.equal(0);
    await resolveStockout(supervisor, incident.id);
    advanceMinutes(t, 12.5);
    expect(await measure(admin, ticket.id, key), 'at 52.5, resolved at 40').to.equal(12.5);
    await cancelQuietly(supervisor, ticket.id);
  });

  it('TICKET_TURNAROUND excludes the incidents too', async () => {
    const key = 'TICKET_TURNAROUND';
    await probeRule(admin, key);
    const [p] = await parts(admin, 1);
    const ticket = await ticketWithParts(supervisor, [p!]);
    advanceMinutes(t, 10);
    const incident = await openStockout(supervisor, p!.id);
    advanceMinutes(t, 10);
    await resolveStockout(supervisor, incident.id);
    advanceMinutes(t, 10);
    expect(await measure(admin, ticket.id, key)).to.equal(20);
    await cancelQuietly(supervisor, ticket.id);
  });

  it('SESSION_PAUSED_TOO_LONG: a session paused for a stockout of its ticket’s part does not count the incident', async () => {
    const key = 'SESSION_PAUSED_TOO_LONG';
    await probeRule(admin, key);
    const technician = await buildUser(t.current, admin, 'TECHNICIAN');
    const [p] = await parts(admin, 1);
    const ticket = await ticketWithParts(supervisor, [p!]);
    ok(await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }), 200, 'assign');
    const started = ok(await technician.api.post(`/tickets/${ticket.id}/start`), 200, 'start');
    const sessionId = started.openSession.id as string;
    advanceMinutes(t, 3);
    ok(await technician.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'STOCKOUT' }), 200, 'pause');
    advanceMinutes(t, 5);
    const incident = await openStockout(technician, p!.id);
    advanceMinutes(t, 10);
    await resolveStockout(supervisor, incident.id);
    advanceMinutes(t, 15);
    expect(await measure(admin, sessionId, key), 'paused 30, incident 10').to.equal(20);
    ok(await technician.api.post(`/tickets/${ticket.id}/release`, { reason: 'done' }), 200, 'release');
    await cancelQuietly(supervisor, ticket.id);
  });

  // Decision (README "Domain rules"): OVER_SRT measures labour, which is already net of pauses; a
  // technician who keeps working through a stockout is still working, so that time counts.
  it('TICKET_OVER_SRT: worked time counts even while a stockout of the ticket’s part is open (labour, not waiting)', async () => {
    const key = 'TICKET_OVER_SRT';
    const technician = await buildUser(t.current, admin, 'TECHNICIAN');
    const [p] = await parts(admin, 1, 20); // srt 20 → threshold 30, WARNING at 24
    const ticket = await ticketWithParts(supervisor, [p!]);
    ok(await supervisor.api.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }), 200, 'assign');
    ok(await technician.api.post(`/tickets/${ticket.id}/start`), 200, 'start');
    advanceMinutes(t, 5);
    const incident = await openStockout(technician, p!.id);
    advanceMinutes(t, 10);
    await resolveStockout(supervisor, incident.id); // [5, 15) while the session runs
    advanceMinutes(t, 19); // 34 minutes of running session, 10 of them during the incident
    const events = (await evaluateFor(admin, ticket.id, key)).map((e) => [e.severity, e.measuredMinutes]);
    expect(events, 'all 34 worked minutes count: a BREACH over the 30-minute threshold').to.deep.equal([['BREACH', 34]]);
    ok(await technician.api.post(`/tickets/${ticket.id}/release`, { reason: 'done' }), 200, 'release');
    await cancelQuietly(supervisor, ticket.id);
  });

  it('STOCKOUT_OPEN_TOO_LONG is the incident’s own clock: never excluded by itself or by other incidents', async () => {
    const key = 'STOCKOUT_OPEN_TOO_LONG';
    await probeRule(admin, key);
    const [p, q] = await parts(admin, 2);
    await ticketWithParts(supervisor, [p!, q!]).then((x) => cancelQuietly(supervisor, x.id));
    const a = await openStockout(supervisor, p!.id);
    advanceMinutes(t, 10);
    const b = await openStockout(supervisor, q!.id);
    advanceMinutes(t, 10);
    expect(await measure(admin, a.id, key)).to.equal(20);
    expect(await measure(admin, b.id, key)).to.equal(10);
    await resolveStockout(supervisor, a.id);
    await resolveStockout(supervisor, b.id);
  });
});

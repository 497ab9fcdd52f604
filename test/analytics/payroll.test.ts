import { expect } from 'chai';
import { buildPart, buildUser, loginAdmin, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import { buildTechnician, getPayroll, payrollRow, rowOf, Workbench } from '../support/analytics.js';
import { ok, setClock, SLA_TEST_ENV } from '../support/sla.js';

/**
 * GET /analytics/payroll figures with the product's manual clock: every expected value below is
 * computed by hand from the clock times the test drives (domain.md "Payroll and operations
 * analytics"). Each test uses its own technicians and its own days; the clock only moves forward.
 */
describe('payroll figures (GET /analytics/payroll)', function () {
  this.timeout(120_000);
  const t = useProduct({ manualClock: true, env: SLA_TEST_ENV });
  let admin: TestUser;
  let supervisor: TestUser;
  let part20: { id: string };
  let part50: { id: string };

  const ctx = () => ({ admin, supervisor });
  const at = (iso: string) => setClock(t, iso);
  /** The report of one technician, as the supervisor reads it. */
  const report = async (technician: TestUser, params: Record<string, string>) =>
    ok(await getPayroll(supervisor, { technicianId: technician.id, tz: 'UTC', ...params }), 200, 'payroll');

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    part20 = await buildPart(admin, 20); // flag 24 (rounded up to 6), GREEN, XP 24 × 1
    part50 = await buildPart(admin, 50); // flag 54, YELLOW, XP round(54 × 1) × 1.2 = 64.8 → 65
  });

  it('a session across midnight and across both ends of the period counts only inside it', async () => {
    const name = 'Night Shift';
    const tech = await buildTechnician(t.current, admin, name);
    const bench = new Workbench(ctx(), tech, part20);
    at('2026-03-02T22:00:00Z');
    await bench.start();
    at('2026-03-02T23:30:00Z');
    await bench.pause('BREAK');
    at('2026-03-02T23:45:00Z');
    await bench.resume();
    at('2026-03-03T01:00:00Z');
    await bench.pause('END_OF_SHIFT');
    at('2026-03-03T07:00:00Z');
    await bench.resume();
    at('2026-03-03T09:00:00Z');
    await bench.submit();

    // The day after midnight: 00:00–01:00 and 07:00–09:00 worked, 01:00–07:00 end of shift.
    const day = await report(tech, { from: '2026-03-03', to: '2026-03-03' });
    expect(day).to.include({ from: '2026-03-03T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z', tz: 'UTC' });
    expect(day.rows).to.deep.equal([
      payrollRow(tech, name, {
        workedSeconds: 3 * 3600,
        sessions: 1,
        pausedSeconds: { END_OF_SHIFT: 6 * 3600 },
        submittedToQc: 1,
        efficiency: 0,
      }),
    ]);

    // Instants cutting into the break and the morning: 23:45–01:00 and 07:00–07:30 worked, 23:40–23:45 break.
    const cut = await report(tech, { from: '2026-03-02T23:40:00Z', to: '2026-03-03T07:30:00Z' });
    expect(cut).to.include({ from: '2026-03-02T23:40:00.000Z', to: '2026-03-03T07:30:00.000Z' });
    expect(cut.rows).to.deep.equal([
      payrollRow(tech, name, {
        workedSeconds: 75 * 60 + 30 * 60,
        sessions: 1,
        pausedSeconds: { BREAK: 5 * 60, END_OF_SHIFT: 6 * 3600 },
        efficiency: 0,
      }),
    ]);

    // Both days: the whole session, which is also the session's own active seconds.
    const both = await report(tech, { from: '2026-03-02', to: '2026-03-03' });
    const whole = 90 * 60 + 75 * 60 + 2 * 3600;
    expect(rowOf(both, tech.id)).to.deep.equal(
      payrollRow(tech, name, {
        workedSeconds: whole,
        sessions: 1,
        pausedSeconds: { BREAK: 15 * 60, END_OF_SHIFT: 6 * 3600 },
        submittedToQc: 1,
        efficiency: 0,
      }),
    );
    const session = ok(await supervisor.api.get(`/work-sessions/${bench.sessionId}`), 200, 'session');
    expect(session.activeSeconds).to.equal(whole);

    // The day before: nothing.
    const before = await report(tech, { from: '2026-03-01', to: '2026-03-01' });
    expect(before.rows).to.deep.equal([payrollRow(tech, name)]);
  });

  it('a running session counts live up to now, and only up to `to` when now is later; an open pause counts too', async () => {
    const name = 'Live Runner';
    const tech = await buildTechnician(t.current, admin, name);
    const bench = new Workbench(ctx(), tech, part20);
    at('2026-03-05T08:00:00Z');
    await bench.start();
    at('2026-03-05T10:30:00Z');

    const live = await report(tech, { from: '2026-03-05', to: '2026-03-05' });
    expect(live.at).to.equal('2026-03-05T10:30:00.000Z');
    expect(live.rows).to.deep.equal([payrollRow(tech, name, { workedSeconds: 150 * 60, sessions: 1, efficiency: 0 })]);
    const firstHour = await report(tech, { from: '2026-03-05T08:00:00Z', to: '2026-03-05T09:00:00Z' });
    expect(firstHour.rows).to.deep.equal([payrollRow(tech, name, { workedSeconds: 3600, sessions: 1, efficiency: 0 })]);

    await bench.pause('STOCKOUT');
    at('2026-03-05T11:00:00Z');
    const paused = await report(tech, { from: '2026-03-05', to: '2026-03-05' });
    expect(paused.rows).to.deep.equal([
      payrollRow(tech, name, { workedSeconds: 150 * 60, sessions: 1, pausedSeconds: { STOCKOUT: 30 * 60 }, efficiency: 0 }),
    ]);
    const untilTo = await report(tech, { from: '2026-03-05T10:00:00Z', to: '2026-03-05T10:45:00.000+00:00' });
    expect(untilTo.rows).to.deep.equal([
      payrollRow(tech, name, { workedSeconds: 30 * 60, sessions: 1, pausedSeconds: { STOCKOUT: 15 * 60 }, efficiency: 0 }),
    ]);
    // A period after now: nothing has happened in it yet, so the open session is not counted there either.
    const future = await report(tech, { from: '2026-03-05T12:00:00Z', to: '2026-03-05T13:00:00Z' });
    expect(future.rows).to.deep.equal([payrollRow(tech, name)]);
    await bench.stop();
  });

  it('pauses go to their reason (stockout separately), QC figures, flag minutes, XP and efficiency', async () => {
    const name = 'Reason Keeper';
    const tech = await buildTechnician(t.current, admin, name);
    const bench = new Workbench(ctx(), tech, part20);
    at('2026-03-06T08:00:00Z');
    await bench.start();
    expect(bench.ticket).to.include({ flagMinutes: 24, flagColor: 'GREEN', xpAmount: 24 });
    at('2026-03-06T09:00:00Z');
    await bench.pause('BREAK');
    at('2026-03-06T09:10:00Z');
    await bench.resume();
    at('2026-03-06T09:30:00Z');
    await bench.pause('OTHER');
    at('2026-03-06T09:35:00Z');
    await bench.resume();
    at('2026-03-06T10:00:00Z');
    await bench.pause('STOCKOUT');
    at('2026-03-06T10:20:00Z');
    await bench.resume();
    at('2026-03-06T10:40:00Z');
    await bench.submit();
    at('2026-03-06T11:00:00Z');
    await bench.fail();
    at('2026-03-06T11:10:00Z');
    await bench.restart();
    at('2026-03-06T11:20:00Z');
    await bench.pause('END_OF_SHIFT');
    at('2026-03-06T11:30:00Z');
    await bench.resume();
    at('2026-03-06T11:40:00Z');
    await bench.submit();
    at('2026-03-06T12:00:00Z');
    await bench.pass();

    // Worked: 60 + 20 + 25 + 20 (first session) + 10 + 10 (second) = 145 minutes.
    const day = await report(tech, { from: '2026-03-06', to: '2026-03-06' });
    expect(day.rows).to.deep.equal([
      payrollRow(tech, name, {
        workedSeconds: 145 * 60,
        sessions: 2,
        pausedSeconds: { BREAK: 600, STOCKOUT: 1200, END_OF_SHIFT: 600, OTHER: 300 },
        submittedToQc: 2,
        passed: 1,
        qcFails: 1,
        flagMinutes: 24,
        xp: 24,
        efficiency: 0.166, // 24 / 145 = 0.16551…
      }),
    ]);
    // QC events belong to the period they happened in: the morning has the first submit only.
    const morning = await report(tech, { from: '2026-03-06T08:00:00Z', to: '2026-03-06T10:50:00Z' });
    expect(rowOf(morning, tech.id)).to.include({ submittedToQc: 1, passed: 0, qcFails: 0, flagMinutes: 0, xp: 0, efficiency: 0 });
  });

  it('several technicians: QC events go to the ticket’s technician at that moment, not to the supervisor acting for them', async () => {
    const alpha = await buildTechnician(t.current, admin, 'Alpha Attribution');
    const bravo = await buildTechnician(t.current, admin, 'Bravo Attribution');
    const bench = new Workbench(ctx(), alpha, part50);
    at('2026-03-09T07:00:00Z');
    await bench.assign();
    at('2026-03-09T08:00:00Z');
    await bench.restart(supervisor); // a supervisor starts for Alpha: the session is Alpha's
    at('2026-03-09T09:00:00Z');
    await bench.submit(supervisor);
    at('2026-03-09T09:30:00Z');
    const failed = await bench.fail();
    expect(failed.transition).to.include({ event: 'QC_FAIL', actorId: supervisor.id, technicianId: alpha.id });
    at('2026-03-09T09:40:00Z');
    ok(await supervisor.api.post(`/tickets/${bench.ticket.id}/assign`, { technicianId: bravo.id }), 200, 're-assign');
    at('2026-03-09T10:00:00Z');
    const forBravo = new Workbench(ctx(), bravo, part50);
    forBravo.ticket = bench.ticket;
    await forBravo.restart();
    at('2026-03-09T11:00:00Z');
    await forBravo.submit();
    at('2026-03-09T11:30:00Z');
    const passed = await forBravo.pass();
    expect(passed).to.include({ flagMinutes: 54, flagColor: 'YELLOW', xpAmount: 65 });

    const all = ok(await getPayroll(supervisor, { from: '2026-03-09', to: '2026-03-09', tz: 'UTC' }), 200, 'payroll');
    expect(rowOf(all, alpha.id)).to.deep.equal(
      payrollRow(alpha, 'Alpha Attribution', { workedSeconds: 3600, sessions: 1, submittedToQc: 1, qcFails: 1, efficiency: 0 }),
    );
    expect(rowOf(all, bravo.id)).to.deep.equal(
      payrollRow(bravo, 'Bravo Attribution', {
        workedSeconds: 3600,
        sessions: 1,
        submittedToQc: 1,
        passed: 1,
        flagMinutes: 54,
        xp: 65,
        efficiency: 0.9, // 54 flag minutes in 60 worked minutes
      }),
    );
    const ids = all.rows.map((r: any) => r.technicianId);
    expect(ids).to.not.include(supervisor.id);
    expect(ids).to.not.include(admin.id);
    expect(ids.indexOf(alpha.id), 'ordered by name').to.be.lessThan(ids.indexOf(bravo.id));
    expect(new Set(ids).size, 'one row per technician').to.equal(ids.length);
  });

  it('zero worked seconds → efficiency null (also with flag minutes); idle and inactive technicians', async () => {
    const idle = await buildTechnician(t.current, admin, 'Idle Zero');
    const instant = await buildTechnician(t.current, admin, 'Instant Zero');
    const passer = await buildTechnician(t.current, admin, 'Passed Later');
    const leaver = await buildTechnician(t.current, admin, 'Leaver Active');
    const gone = await buildTechnician(t.current, admin, 'Gone Quiet');

    at('2026-03-10T08:00:00Z');
    const zero = await new Workbench(ctx(), instant, part20).start();
    await zero.stop(); // started and stopped at the same instant
    const later = await new Workbench(ctx(), passer, part20).start();
    const left = await new Workbench(ctx(), leaver, part20).start();
    at('2026-03-10T09:00:00Z');
    await later.submit();
    await left.submit();
    ok(await admin.api.patch(`/users/${leaver.id}`, { active: false }), 200, 'deactivate');
    ok(await admin.api.patch(`/users/${gone.id}`, { active: false }), 200, 'deactivate');
    at('2026-03-11T08:00:00Z');
    await later.pass();

    const tenth = ok(await getPayroll(supervisor, { from: '2026-03-10', to: '2026-03-10', tz: 'UTC' }), 200, 'payroll');
    expect(rowOf(tenth, idle.id)).to.deep.equal(payrollRow(idle, 'Idle Zero'));
    expect(rowOf(tenth, instant.id)).to.deep.equal(payrollRow(instant, 'Instant Zero', { sessions: 1 }));
    expect(rowOf(tenth, leaver.id), 'inactive but worked in the period').to.deep.equal(
      payrollRow(leaver, 'Leaver Active', { workedSeconds: 3600, sessions: 1, submittedToQc: 1, efficiency: 0 }),
    );
    expect(tenth.rows.map((r: any) => r.technicianId), 'inactive and idle: not listed').to.not.include(gone.id);

    const eleventh = ok(await getPayroll(supervisor, { from: '2026-03-11', to: '2026-03-11', tz: 'UTC' }), 200, 'payroll');
    expect(rowOf(eleventh, passer.id), 'passed with nothing worked in the period').to.deep.equal(
      payrollRow(passer, 'Passed Later', { passed: 1, flagMinutes: 24, xp: 24, efficiency: null }),
    );
    expect(eleventh.rows.map((r: any) => r.technicianId)).to.not.include(leaver.id);
    // Named explicitly, an inactive technician still gets their row.
    expect((await report(gone, { from: '2026-03-11', to: '2026-03-11' })).rows).to.deep.equal([payrollRow(gone, 'Gone Quiet')]);
  });

  it('date bounds are local days in tz (DST: a 23-hour day), tz defaults to the shop calendar’s, `to` as a date includes that day', async () => {
    const name = 'Zone Walker';
    const tech = await buildTechnician(t.current, admin, name);
    const bench = new Workbench(ctx(), tech, part20);
    at('2026-03-28T22:30:00Z'); // 23:30 in Berlin (CET, +01:00)
    await bench.start();
    at('2026-03-29T00:30:00Z'); // 02:30 UTC+1 does not exist that night: it is 02:30 → 03:30 CEST
    await bench.stop();

    // Berlin's 29 March starts 2026-03-28T23:00Z and lasts 23 hours.
    const berlin = await report(tech, { from: '2026-03-29', to: '2026-03-29', tz: 'Europe/Berlin' });
    expect(berlin).to.include({ from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z', tz: 'Europe/Berlin' });
    expect(berlin.rows).to.deep.equal([payrollRow(tech, name, { workedSeconds: 5400, sessions: 1, efficiency: 0 })]);
    const utc = await report(tech, { from: '2026-03-29', to: '2026-03-29', tz: 'UTC' });
    expect(utc).to.include({ from: '2026-03-29T00:00:00.000Z', to: '2026-03-30T00:00:00.000Z', tz: 'UTC' });
    expect(utc.rows).to.deep.equal([payrollRow(tech, name, { workedSeconds: 1800, sessions: 1, efficiency: 0 })]);
    const newYork = await report(tech, { from: '2026-03-29', to: '2026-03-29', tz: 'America/New_York' });
    expect(newYork).to.include({ from: '2026-03-29T04:00:00.000Z', to: '2026-03-30T04:00:00.000Z' });
    expect(newYork.rows).to.deep.equal([payrollRow(tech, name)]);
    // Autumn: Berlin's 25 October has 25 hours.
    const autumn = await report(tech, { from: '2026-10-25', to: '2026-10-25', tz: 'Europe/Berlin' });
    expect(autumn).to.include({ from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z' });
    // A month of dates: `to` includes its day.
    const march = await report(tech, { from: '2026-03-01', to: '2026-03-31', tz: 'UTC' });
    expect(march).to.include({ from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' });
    // An instant with an offset is taken as written, whatever tz says.
    const offset = await report(tech, { from: '2026-03-29T00:00:00+01:00', to: '2026-03-29T02:00:00+02:00', tz: 'Asia/Tokyo' });
    expect(offset).to.include({ from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T00:00:00.000Z', tz: 'Asia/Tokyo' });
    expect(offset.rows[0].workedSeconds).to.equal(3600);

    // Without tz: UTC, unless the shop calendar has a time zone.
    const noTz = { from: '2026-03-29', to: '2026-03-29', technicianId: tech.id };
    expect(ok(await getPayroll(supervisor, noTz), 200, 'payroll')).to.include({ tz: 'UTC', from: '2026-03-29T00:00:00.000Z' });
    ok(await admin.api.put('/calendar', { timezone: 'Europe/Berlin', weeklyHours: { mon: [{ start: '08:00', end: '17:00' }] } }), 200, 'calendar');
    try {
      const shop = ok(await getPayroll(supervisor, noTz), 200, 'payroll');
      expect(shop).to.include({ tz: 'Europe/Berlin', from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z' });
      expect(shop.rows[0].workedSeconds).to.equal(5400);
    } finally {
      ok(await admin.api.delete('/calendar'), 200, 'clear calendar');
    }
  });
});

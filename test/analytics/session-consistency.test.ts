import { expect } from 'chai';
import { buildPart, buildUser, expectError, loginAdmin, type TestUser } from '../support/factories.js';
import { useProductWithSql } from '../support/harness.js';
import { Workbench } from '../support/analytics.js';
import { runScript } from '../support/npm-script.js';
import { ok, setClock, SLA_TEST_ENV } from '../support/sla.js';

/** Runs `npm run check:sessions`'s command against a database; resolves its exit code and output. */
async function checkSessions(databaseUrl: string): Promise<{ code: number | null; out: string }> {
  const run = runScript('check:sessions', { DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
  const code = await run.exited;
  return { code, out: run.output() };
}

/**
 * The session consistency check (GET /admin/session-consistency, `npm run check:sessions`):
 * stored active seconds and status against recalculate_active_seconds over the log, all sessions.
 */
describe('session consistency check', function () {
  this.timeout(120_000);
  const t = useProductWithSql({ manualClock: true, env: SLA_TEST_ENV });
  let admin: TestUser;
  let supervisor: TestUser;
  const benches: Workbench[] = [];
  const at = (iso: string) => setClock(t, iso);
  const check = async (query = '') => ok(await admin.api.get(`/admin/session-consistency${query}`), 200, 'check');

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    const part = await buildPart(admin, 20);
    for (let i = 0; i < 3; i++) benches.push(new Workbench({ admin, supervisor }, await buildUser(t.current, admin, 'TECHNICIAN'), part));
    const [stopped, running, paused] = benches as [Workbench, Workbench, Workbench];
    at('2026-04-01T08:00:00Z');
    await stopped.start();
    at('2026-04-01T08:00:01Z');
    await running.start();
    at('2026-04-01T08:00:02Z');
    await paused.start();
    at('2026-04-01T08:30:00.250Z');
    await stopped.pause('BREAK');
    at('2026-04-01T08:45:00Z');
    await stopped.resume();
    await paused.pause('STOCKOUT');
    at('2026-04-01T09:00:00Z');
    await stopped.submit(); // worked 08:00:00–08:30:00.250 and 08:45–09:00 = 2700.25 s
  });

  it('healthy data: every session checked, nothing reported', async () => {
    expect(await check()).to.deep.equal({ consistent: true, checkedSessions: 3, inconsistentSessions: 0, differences: [] });
    const cli = await checkSessions(t.current.databaseUrl);
    expect(cli.code, cli.out).to.equal(0);
    expect(cli.out).to.contain('checked 3 work sessions: 0 inconsistent');
  });

  it('finds a corrupted stored value and a status that contradicts the log; the CLI exits 1 naming them', async () => {
    const [stopped, running] = benches as [Workbench, Workbench];
    // work_sessions is not append-only: corrupt it directly, as a bad deploy or manual fix might.
    await t.sql().query(`UPDATE work_sessions SET active_seconds = active_seconds + 7.25 WHERE id = $1`, [stopped.sessionId]);
    await t.sql().query(`UPDATE work_sessions SET status = 'PAUSED', running_since = NULL, pause_reason = 'BREAK' WHERE id = $1`, [
      running.sessionId,
    ]);
    const report = await check();
    expect(report).to.deep.equal({
      consistent: false,
      checkedSessions: 3,
      inconsistentSessions: 2,
      differences: [
        {
          sessionId: stopped.sessionId,
          technicianId: stopped.technician.id,
          ticketId: stopped.ticket.id,
          status: 'STOPPED',
          loggedStatus: 'STOPPED',
          storedActiveSeconds: 2707.5,
          recomputedActiveSeconds: 2700.25,
          differenceSeconds: 7.25,
        },
        {
          sessionId: running.sessionId,
          technicianId: running.technician.id,
          ticketId: running.ticket.id,
          status: 'PAUSED',
          loggedStatus: 'RUNNING',
          storedActiveSeconds: 0,
          recomputedActiveSeconds: 0,
          differenceSeconds: 0,
        },
      ],
    });
    const first = await check('?limit=1');
    expect(first).to.include({ consistent: false, inconsistentSessions: 2 });
    expect(first.differences.map((d: any) => d.sessionId)).to.deep.equal([stopped.sessionId]);

    const cli = await checkSessions(t.current.databaseUrl);
    expect(cli.code, cli.out).to.equal(1);
    expect(cli.out).to.contain('checked 3 work sessions: 2 inconsistent');
    expect(cli.out).to.contain(`session ${stopped.sessionId}`);
    expect(cli.out).to.contain('stored 2707.5 s, recomputed 2700.25 s (difference 7.25 s)');
    expect(cli.out).to.contain(`session ${running.sessionId}`);

    // Repaired (recalculate for the value, SQL for the status): consistent again.
    ok(await supervisor.api.post(`/work-sessions/${stopped.sessionId}/recalculate`), 200, 'recalculate');
    await t.sql().query(`UPDATE work_sessions SET status = 'RUNNING', running_since = started_at, pause_reason = NULL WHERE id = $1`, [
      running.sessionId,
    ]);
    expect(await check()).to.include({ consistent: true, inconsistentSessions: 0 });
    const repaired = await checkSessions(t.current.databaseUrl);
    expect(repaired.code, repaired.out).to.equal(0);
  });

  it('limit must be 1…10000; only admins may run it', async () => {
    expectError(await admin.api.get('/admin/session-consistency?limit=0'), 400, 'VALIDATION_FAILED');
    expectError(await admin.api.get('/admin/session-consistency?limit=many'), 400, 'VALIDATION_FAILED');
    expectError(await supervisor.api.get('/admin/session-consistency'), 403, 'FORBIDDEN');
  });
});

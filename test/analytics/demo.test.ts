import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import pino from 'pino';
import { findFreePort } from '../../src/db/embedded-postgres.js';
import { DEMO_USERS, demoWelcome, DemoRefusedError, seedDemoShop } from '../../src/demo/demo-shop.js';
import { ApiClient } from '../support/api-client.js';
import { buildTicket, buildUser, loginAdmin } from '../support/factories.js';
import { connectSql, startTestProduct, useProductWithSql } from '../support/harness.js';
import { isAlive, runScript, type Started } from '../support/npm-script.js';
import { manualClock, ok, SLA_TEST_ENV } from '../support/sla.js';

const STATUSES = ['UNDER_REVIEW', 'ASSIGNED', 'IN_PROGRESS', 'WAITING_QC', 'REWORK', 'DONE', 'CANCELLED'];
const silent = pino({ level: 'silent' });

/** Logs in with a printed username and password; resolves the user the product answers with. */
async function login(url: string, username: string, password: string): Promise<{ status: number; body: any }> {
  const res = await new ApiClient(url).post('/auth/login', { username, password });
  return { status: res.status, body: res.body };
}

/** The `role username password` lines of the printed welcome. */
function printedLogins(text: string): { role: string; username: string; password: string }[] {
  return [...text.matchAll(/^ {2}(ADMIN|SUPERVISOR|TECHNICIAN|WALLBOARD) +(\S+) +(\S+)$/gm)].map((m) => ({
    role: m[1]!,
    username: m[2]!,
    password: m[3]!,
  }));
}

describe('demo shop (npm run demo)', function () {
  this.timeout(180_000);

  describe('seeding through the product’s commands', () => {
    const t = useProductWithSql({ manualClock: true, env: SLA_TEST_ENV });

    it('every ticket status, sessions, an open stockout, consistent time; the clock back where it was', async () => {
      const before = manualClock(t).now().toISOString();
      const shop = await seedDemoShop(t.current.product.deps, manualClock(t), { log: silent, days: 1 });
      expect(shop.seeded).to.equal(true);
      expect(manualClock(t).now().toISOString()).to.equal(before);

      const byStatus = await t.sql().query(`SELECT status, count(*)::int AS n FROM tickets GROUP BY status`);
      const counts = Object.fromEntries(byStatus.rows.map((r) => [r.status, r.n]));
      for (const status of STATUSES) expect(counts[status] ?? 0, status).to.be.at.least(1);
      const sessions = await t.sql().query(`SELECT status, count(*)::int AS n FROM work_sessions GROUP BY status`);
      const sessionCounts = Object.fromEntries(sessions.rows.map((r) => [r.status, r.n]));
      expect(sessionCounts.STOPPED ?? 0, 'finished sessions').to.be.at.least(6);
      const reasons = await t.sql().query(`SELECT DISTINCT reason FROM work_session_transitions WHERE event = 'PAUSE'`);
      expect(reasons.rows.map((r) => r.reason), 'end-of-shift pauses').to.include('END_OF_SHIFT');
      const stockouts = await t.sql().query(`SELECT count(*)::int AS n FROM stockout_incidents WHERE status = 'OPEN'`);
      expect(stockouts.rows[0].n).to.be.at.least(1);

      const admin = await loginAdmin(t.current);
      expect(ok(await admin.api.get('/admin/session-consistency'), 200, 'check')).to.include({ consistent: true });
      const floor = ok(await admin.api.get('/floor'), 200, 'floor');
      const names = DEMO_USERS.filter((u) => u.role === 'TECHNICIAN').map((u) => u.displayName);
      expect(floor.technicians.map((x: any) => x.name)).to.include.members(names);
    });

    it('prints a login for every role, and each one logs in with that role', async () => {
      const shop = await seedDemoShop(t.current.product.deps, manualClock(t), { log: silent, days: 1 });
      const printed = printedLogins(demoWelcome(shop, t.current.product.url, 'test', false));
      expect(new Set(printed.map((p) => p.role))).to.deep.equal(new Set(['ADMIN', 'SUPERVISOR', 'TECHNICIAN', 'WALLBOARD']));
      expect(printed).to.have.length(DEMO_USERS.length);
      for (const p of printed) {
        const res = await login(t.current.product.url, p.username, p.password);
        expect(res.status, p.username).to.equal(200);
        expect(res.body.user, p.username).to.include({ username: p.username, role: p.role });
      }
    });

    it('running it again adds nothing', async () => {
      const count = async () =>
        (await t.sql().query(`SELECT (SELECT count(*) FROM tickets)::int AS t, (SELECT count(*) FROM users)::int AS u,
                                     (SELECT count(*) FROM work_sessions)::int AS s`)).rows[0];
      const before = await count();
      const again = await seedDemoShop(t.current.product.deps, manualClock(t), { log: silent, days: 1 });
      expect(again.seeded).to.equal(false);
      expect(await count()).to.deep.equal(before);
    });
  });

  it('refuses a database that holds tickets of a real shop, and changes nothing', async () => {
    const other = await startTestProduct({ env: SLA_TEST_ENV });
    const sql = await connectSql(other.databaseUrl);
    try {
      const admin = await loginAdmin(other);
      await buildTicket(await buildUser(other, admin, 'SUPERVISOR'));
      const users = (await sql.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n;
      let refused: unknown;
      await seedDemoShop(other.product.deps, { now: () => new Date(), set: () => undefined }, { log: silent }).catch((err: unknown) => {
        refused = err;
      });
      expect(refused).to.be.instanceOf(DemoRefusedError);
      expect((await sql.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n).to.equal(users);
    } finally {
      await sql.end();
      await other.close();
    }
  });

  describe('as a process on the embedded database', () => {
    let dataDir: string;
    before(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'benchline-demo-'));
    });
    after(async () => {
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    async function startDemo(args: string[]): Promise<{ started: Started; url: string }> {
      const port = await findFreePort();
      const started = runScript('demo', { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, args);
      const deadline = Date.now() + 120_000;
      while (!started.output().includes('Ctrl-C stops')) {
        if (started.child.exitCode !== null || Date.now() > deadline) throw new Error(`demo did not come up:\n${started.output()}`);
        await sleep(200);
      }
      return { started, url: `http://127.0.0.1:${port}` };
    }

    it('fresh DATA_DIR: seeds, prints working logins, stops cleanly; run again with --live it reuses the shop and moves', async () => {
      const first = await startDemo(['--days', '0']);
      try {
        expect(first.started.output()).to.include('demo shop seeded');
        const printed = printedLogins(first.started.output());
        expect(printed.map((p) => p.username)).to.deep.equal(DEMO_USERS.map((u) => u.username));
        for (const p of printed) expect((await login(first.url, p.username, p.password)).status, p.username).to.equal(200);
        const postmaster = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
        first.started.child.kill('SIGTERM');
        expect(await first.started.exited, first.started.output()).to.equal(0);
        expect(isAlive(postmaster), 'embedded postgres stopped').to.equal(false);
      } finally {
        first.started.child.kill('SIGKILL');
      }

      const second = await startDemo(['--live']);
      try {
        expect(second.started.output()).to.include('already seeded, reused');
        const board = await login(second.url, 'demo.wallboard', 'demo.wallboard-pass');
        const wallboard = new ApiClient(second.url, board.body.token);
        const sessionsOnFloor = async () =>
          ok(await wallboard.get('/floor'), 200, 'floor')
            .technicians.map((x: any) => `${x.session?.id}:${x.session?.status}`)
            .join(',');
        const first = await sessionsOnFloor();
        let now = first;
        for (let i = 0; i < 40 && now === first; i++) {
          await sleep(500);
          now = await sessionsOnFloor();
        }
        expect(now, 'simulated technicians changed their sessions').to.not.equal(first);
        second.started.child.kill('SIGINT');
        expect(await second.started.exited, second.started.output()).to.equal(0);
      } finally {
        second.started.child.kill('SIGKILL');
      }
    });
  });
});

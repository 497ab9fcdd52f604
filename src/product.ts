import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ensureFirstAdmin } from './auth/bootstrap-admin.js';
import { createTokenService, type TokenService } from './auth/tokens.js';
import type { AppDeps } from './commands/command.js';
import type { Config } from './config/config.js';
import { connectDatabase, type Database } from './db/client.js';
import type { EmbeddedDatabase } from './db/embedded-postgres.js';
import { runMigrations } from './db/migrate.js';
import { systemClock, type Clock } from './domain/clock.js';
import { createHttpApp } from './http/app.js';
import { createLogger } from './observability/logger.js';
import { noJobQueue, type JobQueue } from './jobs/job-queue.js';
import { Scheduler } from './jobs/scheduler.js';
import { RealtimeGateway } from './realtime/gateway.js';
import { OutboxTailer } from './realtime/outbox-tailer.js';
import { createMetrics } from './observability/metrics.js';

export interface RunningProduct {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:3000 */
  url: string;
  deps: AppDeps & { tokens: TokenService };
  database: Database;
  /** Agenda: processes jobs when ROLE=worker|all, only enqueues when ROLE=api. */
  scheduler: Scheduler;
  /** Socket.IO gateway and outbox tailer (absent when ROLE=worker). */
  realtime: { gateway: RealtimeGateway; tailer: OutboxTailer } | undefined;
  /** Graceful stop: refuse new work, drain requests, close the pool, stop an embedded server. */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  clock?: Clock;
}

async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  server.listen(port, host);
  await once(server, 'listening');
  return server.address() as AddressInfo;
}

/** Starts the product: database (embedded when no URL), migrations, first admin, HTTP + Socket.IO. */
export async function startProduct(config: Config, options: StartOptions = {}): Promise<RunningProduct> {
  const log = options.log ?? createLogger(config.logLevel);
  if (config.jwt.usingDevelopmentSecret && config.env !== 'test') {
    log.warn('JWT_SECRET is not set: using the development secret; set JWT_SECRET outside development');
  }
  let embedded: EmbeddedDatabase | undefined;
  let database: Database | undefined;
  let server: Server | undefined;
  let realtime: RunningProduct['realtime'];
  let scheduler: Scheduler | undefined;
  let ready = false;

  const close = async (): Promise<void> => {
    ready = false;
    await scheduler?.stop().catch((err: unknown) => log.error({ err }, 'scheduler stop failed'));
    if (realtime) {
      await realtime.tailer.stop();
      realtime.gateway.shutdown();
    }
    if (server) {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server?.closeAllConnections(), config.shutdownTimeoutMs);
      await closed;
      clearTimeout(timer);
    }
    await database?.close();
    await embedded?.stop();
  };

  try {
    let url = config.databaseUrl;
    if (!url) {
      // Loaded only when needed: the module hooks process exit to stop the server it starts.
      const { startEmbeddedPostgres } = await import('./db/embedded-postgres.js');
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, database: 'benchline', log });
      url = embedded.url;
    }
    database = connectDatabase(url, { max: config.dbPoolMax, log });
    await runMigrations(database.pool);
    await ensureFirstAdmin(database.db, config.admin, config.passwordHashCost, log);

    const tokens = createTokenService(config.jwt);
    const jobs: { current: JobQueue } = { current: noJobQueue };
    const deps = {
      db: database.db,
      clock: options.clock ?? systemClock,
      config,
      log,
      metrics: createMetrics(),
      tokens,
      jobs: { enqueueDeliveries: (ids: string[], at?: Date) => jobs.current.enqueueDeliveries(ids, at) },
    };
    scheduler = new Scheduler(deps, {
      pool: database.pool,
      process: config.role !== 'api',
      evaluateEverySeconds: config.sla.evaluateEverySeconds,
    });
    jobs.current = scheduler;
    // Readiness includes "jobs are scheduled" (api.md).
    await scheduler.start();
    const pool = database.pool;
    const app = createHttpApp({
      ...deps,
      api: config.role !== 'worker',
      readiness: { isReady: () => ready, check: async () => void (await pool.query('SELECT 1')) },
    });
    server = createServer(app);
    server.keepAliveTimeout = 65_000;
    if (config.role !== 'worker') {
      const tailer: OutboxTailer = new OutboxTailer(
        { db: database.db, databaseUrl: url, log, pollMs: config.realtime.outboxPollMs },
        (rows) => gateway.publish(rows),
      );
      const gateway = new RealtimeGateway(server, {
        ...deps,
        lastPublishedSeq: () => tailer.lastSeq,
        catchUp: () => tailer.wake(),
      });
      await tailer.start();
      realtime = { gateway, tailer };
    }
    const address = await listen(server, config.port, config.host);
    ready = true;
    const baseUrl = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
    log.info({ url: baseUrl, role: config.role, embeddedDatabase: Boolean(embedded) }, 'benchline ready');
    return { url: baseUrl, deps, database, realtime, scheduler, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

import { hostname } from 'node:os';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { Agenda, type Job } from 'agenda';
import type pg from 'pg';
import { inTransaction } from '../db/client.js';
import type { AppDeps } from '../commands/command.js';
import { deliverSlaEvent, dueDeliveryIds } from '../sla/deliver-sla-event.js';
import { evaluateSla } from '../sla/evaluate-sla.js';
import type { JobQueue } from './job-queue.js';
import { cleanUpRetention, refreshStockoutOverlap } from './maintenance.js';

/** Job names, with their zod-free payloads (ids only). */
export const JOBS = {
  evaluate: 'sla:evaluate',
  deliver: 'sla:deliver',
  overlap: 'stockout:overlap',
  retention: 'retention:cleanup',
} as const;

export interface SchedulerOptions {
  pool: pg.Pool;
  /** Process jobs (ROLE=worker|all); api processes only enqueue. */
  process: boolean;
  evaluateEverySeconds: number;
}

/**
 * Agenda 6 on the product's PostgreSQL pool. Jobs lock their row; a job whose worker died is
 * picked up again once its lock lifetime passes, and every handler is safe to re-run: evaluation
 * is guarded by cooldown rows, delivery by its claim, the maintenance jobs recompute.
 */
export class Scheduler implements JobQueue {
  readonly agenda: Agenda;

  constructor(
    private readonly deps: AppDeps,
    private readonly options: SchedulerOptions,
  ) {
    const backend = new PostgresBackend({ pool: options.pool, tableName: 'agenda_jobs', channelName: 'benchline_agenda_jobs' });
    // Its LISTEN connection re-emits connection errors on the channel; unheard, one at server
    // shutdown would crash the process. It reconnects by itself.
    (backend.notificationChannel as unknown as NodeJS.EventEmitter | undefined)?.on?.('error', (err: unknown) =>
      deps.log.warn({ err }, 'job notification channel error'),
    );
    this.agenda = new Agenda({
      backend,
      name: `${hostname()}:${process.pid}`,
      processEvery: '5 seconds',
      defaultLockLifetime: 120_000,
      maxConcurrency: 10,
    });
    this.agenda.on('error', (err: Error) => deps.log.error({ err }, 'job scheduler error'));
    this.agenda.on('fail', (err: Error, job: Job) => deps.log.error({ err, job: job.attrs.name }, 'job failed'));
    this.define();
  }

  private define(): void {
    const { deps } = this;
    this.agenda.define(JOBS.evaluate, () => this.handleEvaluate(), { concurrency: 1, lockLifetime: 120_000 });
    this.agenda.define(
      JOBS.deliver,
      async (job: Job<{ deliveryId: string }>) => {
        await deliverSlaEvent(deps, job.attrs.data.deliveryId);
      },
      // Longer than the HTTP timeout, so a live delivery is never re-run concurrently.
      { concurrency: 5, lockLifetime: 60_000 },
    );
    this.agenda.define(JOBS.overlap, async () => void (await refreshStockoutOverlap(deps)), { concurrency: 1 });
    this.agenda.define(JOBS.retention, async () => void (await cleanUpRetention(deps)), { concurrency: 1 });
  }

  /** sla:evaluate — create due events, then schedule their deliveries and any left behind. */
  async handleEvaluate(): Promise<void> {
    const result = await inTransaction(this.deps.db, (tx) => evaluateSla(tx, this.deps.clock.now()));
    await this.enqueueDeliveries([...new Set([...result.deliveryIds, ...(await dueDeliveryIds(this.deps))])]);
  }

  async start(): Promise<void> {
    await this.agenda.ready;
    if (!this.options.process) return;
    await this.agenda.start();
    await this.agenda.every(`${this.options.evaluateEverySeconds} seconds`, JOBS.evaluate);
    await this.agenda.every('5 minutes', JOBS.overlap);
    await this.agenda.every('1 hour', JOBS.retention);
  }

  async stop(): Promise<void> {
    // Waits for running jobs to finish; an unfinished one is re-run elsewhere after its lock expires.
    // true: also closes its LISTEN connection; a pool we passed in stays open (we own it).
    await this.agenda.stop(true);
  }

  async enqueueDeliveries(deliveryIds: string[], at?: Date): Promise<void> {
    for (const deliveryId of deliveryIds) {
      await this.agenda
        .create(JOBS.deliver, { deliveryId })
        .unique({ 'data.deliveryId': deliveryId })
        .schedule(at ?? new Date())
        .save();
    }
  }
}

import pg from 'pg';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { latestOutboxSeq, readOutboxAfter, type OutboxRow } from '../repositories/outbox.repository.js';

const BATCH = 500;

/**
 * Follows the outbox by seq: LISTEN wakes it at once, a periodic catch-up read makes a lost
 * notification (or a dropped listener connection) cost latency, never an event. Every process
 * tails on its own and pushes to its own sockets, so any number of processes share one database.
 */
export class OutboxTailer {
  private last = 0;
  private listener: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  /** wake() calls so far, and who waits for a read covering theirs. */
  private requested = 0;
  private waiters: { wanted: number; resolve: () => void }[] = [];
  private stopped = false;

  constructor(
    private readonly deps: { db: Db; databaseUrl: string; log: Logger; pollMs: number },
    private readonly onEvents: (rows: OutboxRow[]) => void,
  ) {}

  /** The seq of the last event handed to onEvents. */
  get lastSeq(): number {
    return this.last;
  }

  /** Starts after the current end of the outbox (history is for `sync`, not for live pushes). */
  async start(): Promise<void> {
    this.last = await latestOutboxSeq(this.deps.db);
    await this.listen();
    this.timer = setInterval(() => this.wake(), this.deps.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.draining;
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  /**
   * Reads everything committed so far. Resolves once a read that started after this call has
   * finished; calls while a read runs are coalesced into one follow-up read.
   */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const wanted = ++this.requested;
    const done = new Promise<void>((resolve) => this.waiters.push({ wanted, resolve }));
    if (!this.draining) this.startDrain();
    return done;
  }

  private startDrain(): void {
    const covers = this.requested;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      const still = this.waiters.filter((w) => w.wanted > covers);
      for (const w of this.waiters) if (w.wanted <= covers) w.resolve();
      this.waiters = still;
      if (this.requested > covers && !this.stopped) this.startDrain();
      else for (const w of this.waiters.splice(0)) w.resolve();
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const rows = await readOutboxAfter(this.deps.db, this.last, BATCH);
        if (rows.length === 0) return;
        this.last = rows[rows.length - 1]!.seq;
        this.onEvents(rows);
        if (rows.length < BATCH) return;
      }
    } catch (err) {
      this.deps.log.error({ err }, 'outbox tail read failed; the next poll retries');
    }
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.deps.databaseUrl, application_name: 'benchline-outbox-listener' });
    client.on('notification', () => void this.wake());
    client.on('error', (err) => {
      this.deps.log.warn({ err }, 'outbox listener lost; reconnecting (polling meanwhile)');
      this.listener = undefined;
      client.end().catch(() => undefined);
      this.reconnectLater();
    });
    await client.connect();
    await client.query('LISTEN benchline_outbox');
    this.listener = client;
    void this.wake(); // anything committed while we were not listening
  }

  private reconnectLater(): void {
    if (this.stopped) return;
    setTimeout(() => {
      this.listen().catch((err: unknown) => {
        this.deps.log.warn({ err }, 'outbox listener reconnect failed');
        this.reconnectLater();
      });
    }, 1000).unref();
  }
}

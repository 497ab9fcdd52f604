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
  private again = false;
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

  /** Reads everything new now (also called by tests and after a notification). */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.wake();
      }
    });
    return this.draining;
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

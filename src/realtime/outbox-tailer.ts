import pg from 'pg';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { latestOutboxSeq, readOutboxAfter, snapshotTransactionsEnded, type OutboxRow } from '../repositories/outbox.repository.js';

const BATCH = 500;

/** How soon a gap in seq is looked at again (its commit normally lands within a WAL flush), backing off to the max. */
const GAP_RECHECK_MS = 5;
const GAP_RECHECK_MAX_MS = 250;

/**
 * Follows the outbox by seq: LISTEN wakes it at once, a periodic catch-up read makes a lost
 * notification (or a dropped listener connection) cost latency, never an event. Every process
 * tails on its own and pushes to its own sockets, so any number of processes share one database.
 *
 * Seqs are handed out while transactions commit, without a lock (migration 0008), so a reader can
 * see seq n+1 before n: n's transaction has its seq but its commit is not visible yet. The tailer
 * hands on the contiguous run only and waits at a gap. A gap is skipped once it cannot fill any
 * more: every transaction that was running when it was first seen has ended and it is still
 * there (its transaction rolled back, or a crash skipped sequence values). Any transaction that
 * took seq n did so before n+1 was taken, hence before that read, so it was one of those.
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
  /** The missing seq the tailer waits at, and the snapshot of the read that first saw it missing. */
  private gap: { seq: number; snapshot: string; checks: number } | undefined;
  private gapRecheck: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: { db: Db; databaseUrl: string; log: Logger; pollMs: number },
    private readonly onEvents: (rows: OutboxRow[]) => void,
  ) {}

  /** The seq of the last event handed to onEvents. */
  get lastSeq(): number {
    return this.last;
  }

  /**
   * Starts after the current end of the outbox (history is for `sync`, not for live pushes). A row
   * still committing below that end is not pushed live by this process; no client is connected to
   * it yet, and `sync` replays it from the table.
   */
  async start(): Promise<void> {
    this.last = await latestOutboxSeq(this.deps.db);
    await this.listen();
    this.timer = setInterval(() => this.wake(), this.deps.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.gapRecheck) clearTimeout(this.gapRecheck);
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
        const { rows, snapshot } = await readOutboxAfter(this.deps.db, this.last, BATCH);
        const next = this.contiguous(rows);
        if (next.length > 0) {
          this.last = next[next.length - 1]!.seq;
          this.onEvents(next);
        }
        if (next.length < rows.length) {
          // rows[next.length] is past a gap at last + 1.
          if (!(await this.gapClosed(snapshot!))) return;
          continue;
        }
        this.gap = undefined;
        if (rows.length < BATCH) return;
      }
    } catch (err) {
      this.deps.log.error({ err }, 'outbox tail read failed; the next poll retries');
    }
  }

  /** The leading rows that continue the delivered run without a gap. */
  private contiguous(rows: OutboxRow[]): OutboxRow[] {
    let n = 0;
    while (n < rows.length && rows[n]!.seq === this.last + 1 + n) n++;
    return n === rows.length ? rows : rows.slice(0, n);
  }

  /**
   * At a gap at last + 1: true once it is known never to fill (then it is skipped), false while
   * it may still (a re-read is scheduled; the filling commit's NOTIFY also wakes the tailer).
   */
  private async gapClosed(snapshot: string): Promise<boolean> {
    const seq = this.last + 1;
    if (this.gap?.seq !== seq) {
      this.gap = { seq, snapshot, checks: 0 };
    } else if (await snapshotTransactionsEnded(this.deps.db, this.gap.snapshot)) {
      // Ended: a fresh read either finds the row now or it will never come.
      const { rows } = await readOutboxAfter(this.deps.db, this.last, 1);
      if (rows[0]?.seq !== seq) {
        this.deps.log.warn({ seq }, 'outbox seq was never committed (rolled back or skipped); going on without it');
        this.last = seq;
      }
      this.gap = undefined;
      return true;
    }
    const delay = Math.min(GAP_RECHECK_MAX_MS, GAP_RECHECK_MS * 2 ** this.gap.checks++);
    this.gapRecheck ??= setTimeout(() => {
      this.gapRecheck = undefined;
      void this.wake();
    }, delay);
    return false;
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

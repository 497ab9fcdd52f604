import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { defineStatement } from '../db/statements.js';

export type OutboxEventType = 'ticket.updated' | 'session.updated' | 'stockout.updated' | 'sla.event';

export interface OutboxEvent {
  type: OutboxEventType;
  aggregateType: 'ticket' | 'work_session' | 'stockout' | 'sla_event';
  aggregateId: string;
  /** Technicians entitled to the push besides the floor. */
  technicianIds: (string | null | undefined)[];
  data: Record<string, unknown>;
}

export interface OutboxRow {
  seq: number;
  type: OutboxEventType;
  technicianIds: string[];
  createdAt: Date;
  data: Record<string, unknown>;
}

type RawOutboxRow = {
  seq: string;
  type: OutboxEventType;
  technician_ids: string[];
  created_at: Date | string;
  data: Record<string, unknown>;
};

const toOutboxRow = (r: RawOutboxRow): OutboxRow => ({
  seq: Number(r.seq),
  type: r.type,
  technicianIds: r.technician_ids,
  createdAt: new Date(r.created_at),
  data: r.data,
});

/** The highest committed seq (0 when empty). */
export async function latestOutboxSeq(db: Executor): Promise<number> {
  const result = await db.execute<{ seq: string | null }>(sql`SELECT max(seq)::text AS seq FROM outbox_events`);
  return Number(result.rows[0]?.seq ?? 0);
}

const readAfterStatement = defineStatement(
  'outbox_read_after',
  // ORDER BY the table's bigint column: a bare `seq` would name the text output column. The
  // statement's snapshot comes along, for telling an in-flight gap from an abandoned one.
  `SELECT o.seq::text AS seq, o.type, o.technician_ids::text[] AS technician_ids, o.created_at, o.data,
          (SELECT pg_current_snapshot()::text) AS snapshot
   FROM outbox_events o WHERE o.seq > $1 ORDER BY o.seq LIMIT $2`,
);

/** Committed events after `afterSeq`, in seq order, and the snapshot they were read in (null when none). */
export async function readOutboxAfter(
  db: Executor,
  afterSeq: number,
  limit: number,
): Promise<{ rows: OutboxRow[]; snapshot: string | null }> {
  const raw = await readAfterStatement.run(db, [afterSeq, limit]);
  return { rows: (raw as RawOutboxRow[]).map(toOutboxRow), snapshot: (raw[0]?.snapshot as string | undefined) ?? null };
}

const snapshotEndedStatement = defineStatement(
  'outbox_snapshot_ended',
  `SELECT coalesce(bool_and(pg_xact_status(x) IS DISTINCT FROM 'in progress'), true) AS ended
   FROM pg_snapshot_xip($1::pg_snapshot) AS x`,
);

/** Whether every transaction that was running when `snapshot` was taken has ended (committed or not). */
export async function snapshotTransactionsEnded(db: Executor, snapshot: string): Promise<boolean> {
  const [row] = await snapshotEndedStatement.run(db, [snapshot]);
  return row?.ended === true;
}

export type ReplayResult = { kind: 'events'; events: OutboxRow[] } | { kind: 'resync'; reason: string };

/**
 * Events in (sinceSeq, upToSeq] a client may see (all for the floor, or those naming the
 * technician), bounded by age and count; beyond the bound the client must resync.
 */
export async function replayOutbox(
  db: Executor,
  query: { sinceSeq: number; upToSeq: number; technicianId: string | null; maxEvents: number; maxAgeHours: number },
): Promise<ReplayResult> {
  if (query.sinceSeq >= query.upToSeq) return { kind: 'events', events: [] };
  const bounds = await db.execute<{ oldest: string | null; expired: boolean }>(sql`
    SELECT (SELECT min(seq)::text FROM outbox_events) AS oldest,
           EXISTS (SELECT 1 FROM outbox_events WHERE seq > ${query.sinceSeq}
                   AND created_at < now() - make_interval(hours => ${query.maxAgeHours})) AS expired`);
  const oldest = Number(bounds.rows[0]?.oldest ?? query.upToSeq + 1);
  // Rows after sinceSeq were cleaned up, or are older than the replay window.
  if (query.sinceSeq < oldest - 1 || bounds.rows[0]?.expired) return { kind: 'resync', reason: 'beyond the replay window' };
  const visible = query.technicianId ? sql`AND o.technician_ids @> ARRAY[${query.technicianId}]::uuid[]` : sql``;
  const result = await db.execute<RawOutboxRow>(sql`
    SELECT o.seq::text AS seq, o.type, o.technician_ids::text[] AS technician_ids, o.created_at, o.data
    FROM outbox_events o
    WHERE o.seq > ${query.sinceSeq} AND o.seq <= ${query.upToSeq} ${visible}
    ORDER BY o.seq LIMIT ${query.maxEvents + 1}`);
  if (result.rows.length > query.maxEvents) return { kind: 'resync', reason: `more than ${query.maxEvents} events` };
  return { kind: 'events', events: result.rows.map(toOutboxRow) };
}

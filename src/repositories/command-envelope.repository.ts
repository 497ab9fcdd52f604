import type { Tx } from '../db/client.js';
import { defineStatement } from '../db/statements.js';
import type { OutboxEvent } from './outbox.repository.js';

/**
 * The first and last statements of every command's transaction.
 *
 * The idempotency claim is a row inserted inside the command's own transaction: nobody else sees
 * it before it commits together with the command's effects and its stored response. A concurrent
 * duplicate's INSERT waits on the unique key until the first transaction ends, then finds the
 * committed record (and replays it) or, if the first rolled back, claims the key itself. So a
 * key never has two runs, a failed run leaves no record, and a crashed process leaves nothing to
 * expire: its transaction simply never committed.
 */

export type CommandOpening =
  | { kind: 'run'; actor: { username: string; role: string; active: boolean } | null }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'vanished' };

// $1 actor, $2 key (null: no claim), $3 fingerprint, $4 ttl hours, $5 re-read the actor's user row.
// A committed PENDING record can only be left by a process of an older version: it is taken over.
const openStatement = defineStatement(
  'command_open',
  `WITH claim AS (
     INSERT INTO idempotency_records AS r (actor_id, key, fingerprint, state, created_at, expires_at)
     SELECT $1, $2, $3, 'PENDING', now(), now() + make_interval(hours => $4::int) WHERE $2::text IS NOT NULL
     ON CONFLICT (actor_id, key) DO UPDATE
       SET fingerprint = EXCLUDED.fingerprint, state = 'PENDING', response_status = NULL, response_body = NULL,
           created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
       WHERE r.expires_at <= now() OR r.state = 'PENDING'
     RETURNING 1
   )
   SELECT u.username, u.role, u.active, EXISTS (SELECT 1 FROM claim) AS claimed
   FROM (SELECT 1) AS one LEFT JOIN users u ON $5::boolean AND u.id = $1`,
);

// A separate statement: it needs a snapshot taken after the claim's wait for the other run.
const readRecordStatement = defineStatement(
  'command_read_idempotency_record',
  `SELECT fingerprint, response_status, response_body FROM idempotency_records WHERE actor_id = $1 AND key = $2`,
);

/**
 * Opens a command's transaction in one round trip: re-reads the actor's user row (when asked)
 * and claims the idempotency key (when given). A key already answered gives its stored response.
 */
export async function openCommand(
  tx: Tx,
  request: { actorId: string; verifyActor: boolean; key: string | undefined; fingerprint: string | undefined; ttlHours: number },
): Promise<CommandOpening> {
  const [opened] = await openStatement.run(tx, [
    request.actorId,
    request.key ?? null,
    request.fingerprint ?? null,
    request.ttlHours,
    request.verifyActor,
  ]);
  const actor = opened?.role
    ? { username: opened.username as string, role: opened.role as string, active: opened.active as boolean }
    : null;
  if (!request.key || opened?.claimed) return { kind: 'run', actor };
  const [record] = await readRecordStatement.run(tx, [request.actorId, request.key]);
  if (!record) return { kind: 'vanished' };
  if (record.fingerprint !== request.fingerprint) return { kind: 'mismatch' };
  return { kind: 'replay', status: (record.response_status as number | null) ?? 200, body: record.response_body };
}

// $1 actor, $2 key (null: none), $3 status, $4 body, $5 the outbox events as a JSON array. The
// events are inserted in array order, which is the order their seq is assigned at COMMIT.
const finishWithEventsStatement = defineStatement(
  'command_finish_with_events',
  `WITH done AS (
     UPDATE idempotency_records SET state = 'DONE', response_status = $3, response_body = $4::jsonb
     WHERE $2::text IS NOT NULL AND actor_id = $1 AND key = $2
   )
   INSERT INTO outbox_events (type, aggregate_type, aggregate_id, technician_ids, data)
   SELECT e.value->>'type', e.value->>'aggregateType', (e.value->>'aggregateId')::uuid,
          ARRAY(SELECT jsonb_array_elements_text(e.value->'technicianIds'))::uuid[], e.value->'data'
   FROM jsonb_array_elements($5::jsonb) WITH ORDINALITY AS e(value, n)
   ORDER BY e.n`,
);

const finishStatement = defineStatement(
  'command_finish',
  `UPDATE idempotency_records SET state = 'DONE', response_status = $3, response_body = $4::jsonb
   WHERE actor_id = $1 AND key = $2`,
);

/** Closes a command's transaction in one round trip: stores the response under its key and appends its outbox events. */
export async function finishCommand(
  tx: Tx,
  result: { actorId: string; key: string | undefined; status: number; body: unknown; events: OutboxEvent[] },
): Promise<void> {
  const key = result.key ?? null;
  const body = key ? JSON.stringify(result.body) : null;
  if (result.events.length > 0) {
    const events = result.events.map((event) => ({
      type: event.type,
      aggregateType: event.aggregateType,
      aggregateId: event.aggregateId,
      technicianIds: [...new Set(event.technicianIds.filter((id): id is string => Boolean(id)))],
      data: event.data,
    }));
    await finishWithEventsStatement.run(tx, [result.actorId, key, result.status, body, JSON.stringify(events)]);
  } else if (key) {
    await finishStatement.run(tx, [result.actorId, key, result.status, body]);
  }
}

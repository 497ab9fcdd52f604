import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';

export type ClaimResult =
  | { kind: 'claimed'; token: string }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in-progress' };

/** A PENDING claim older than this is treated as abandoned by a crashed process. */
const STALE_PENDING_SECONDS = 120;

/**
 * Claims (actor, key) for a request fingerprint. An expired record, or a pending one whose
 * owner looks dead, is taken over; a live one answers replay, mismatch or in-progress. The claim
 * token makes a takeover safe even if the old owner was only slow: it can no longer complete.
 */
export async function claimIdempotencyKey(
  db: Executor,
  claim: { actorId: string; key: string; fingerprint: string; ttlHours: number },
): Promise<ClaimResult> {
  const inserted = await db.execute<{ token: string }>(sql`
    INSERT INTO idempotency_records AS r (actor_id, key, fingerprint, claim_token, state, created_at, expires_at)
    VALUES (${claim.actorId}, ${claim.key}, ${claim.fingerprint}, gen_random_uuid(), 'PENDING', now(),
            now() + make_interval(hours => ${claim.ttlHours}))
    ON CONFLICT (actor_id, key) DO UPDATE
      SET fingerprint = EXCLUDED.fingerprint, claim_token = EXCLUDED.claim_token, state = 'PENDING',
          response_status = NULL, response_body = NULL, created_at = EXCLUDED.created_at,
          expires_at = EXCLUDED.expires_at
      WHERE r.expires_at <= now()
         OR (r.state = 'PENDING' AND r.created_at < now() - make_interval(secs => ${STALE_PENDING_SECONDS}))
    RETURNING claim_token::text AS token`);
  const token = inserted.rows[0]?.token;
  if (token) return { kind: 'claimed', token };

  const existing = await db.execute<{ fingerprint: string; state: string; response_status: number | null; response_body: unknown }>(sql`
    SELECT fingerprint, state, response_status, response_body FROM idempotency_records
    WHERE actor_id = ${claim.actorId} AND key = ${claim.key}`);
  const record = existing.rows[0];
  // Deleted between our two statements (a failed first attempt released it): let the caller retry.
  if (!record) return { kind: 'in-progress' };
  if (record.fingerprint !== claim.fingerprint) return { kind: 'mismatch' };
  if (record.state !== 'DONE') return { kind: 'in-progress' };
  return { kind: 'replay', status: record.response_status ?? 200, body: record.response_body };
}

/**
 * Stores the response; called inside the command's transaction so effect and record commit
 * together. False when the claim was taken over meanwhile: the caller must roll back.
 */
export async function completeIdempotencyKey(
  db: Executor,
  record: { actorId: string; key: string; token: string; status: number; body: unknown },
): Promise<boolean> {
  const result = await db.execute(sql`
    UPDATE idempotency_records SET state = 'DONE', response_status = ${record.status},
           response_body = ${JSON.stringify(record.body)}::jsonb
    WHERE actor_id = ${record.actorId} AND key = ${record.key}
      AND claim_token = ${record.token} AND state = 'PENDING'`);
  return (result.rowCount ?? 0) > 0;
}

/** Frees a key whose command failed, so the client may retry it; never someone else's claim. */
export async function releaseIdempotencyKey(
  db: Executor,
  record: { actorId: string; key: string; token: string },
): Promise<void> {
  await db.execute(sql`
    DELETE FROM idempotency_records
    WHERE actor_id = ${record.actorId} AND key = ${record.key} AND claim_token = ${record.token} AND state = 'PENDING'`);
}

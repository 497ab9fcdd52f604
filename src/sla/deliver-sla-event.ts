import { sql } from 'drizzle-orm';
import { inTransaction } from '../db/client.js';
import type { AppDeps } from '../commands/command.js';
import { presentSlaEvent } from '../presenters/presenters.js';
import { disableDeliveryTarget } from '../repositories/delivery-target.repository.js';
import type { SlaEventRow } from '../repositories/sla.repository.js';
import { nextAttemptAt, postWebhook } from './webhook.js';

/** Longer than the 10 s HTTP timeout: a claim outlives its attempt unless the worker died. */
const CLAIM_SECONDS = 60;

type ClaimedDelivery = {
  id: string;
  event_id: string;
  target_id: string;
  attempts: number;
  created_at: Date;
  /** Our claim: the finishing update only applies while the row still carries it. */
  locked_until: Date;
  url: string;
  secret: string;
  target_usable: boolean;
};

export type DeliveryOutcome =
  | { kind: 'skipped' }
  | { kind: 'cancelled' }
  | { kind: 'succeeded'; attemptNo: number }
  | { kind: 'retry'; attemptNo: number; nextAt: Date }
  | { kind: 'failed'; attemptNo: number; gone: boolean };

/**
 * sla:deliver for one (event, target): claims the delivery (so concurrent runs and a re-run after a
 * crash never overlap), POSTs the signed body, then records the attempt and the next step in one
 * transaction. A worker killed mid-POST leaves the claim to expire, and the delivery is retried with
 * the same X-Event-Id: at-least-once, receivers deduplicate on it.
 */
export async function deliverSlaEvent(deps: AppDeps, deliveryId: string): Promise<DeliveryOutcome> {
  const now = deps.clock.now();
  const claimed = await deps.db.execute<ClaimedDelivery>(sql`
    UPDATE sla_deliveries d
       SET locked_until = ${now.toISOString()}::timestamptz + make_interval(secs => ${CLAIM_SECONDS}), updated_at = ${now.toISOString()}::timestamptz
      FROM delivery_targets t
     WHERE d.id = ${deliveryId} AND t.id = d.target_id AND d.status = 'PENDING'
       AND d.next_attempt_at <= ${now.toISOString()}::timestamptz
       AND (d.locked_until IS NULL OR d.locked_until <= ${now.toISOString()}::timestamptz)
    RETURNING d.id, d.event_id, d.target_id, d.attempts, d.created_at, d.locked_until, t.url, t.secret,
              (t.enabled AND t.deleted_at IS NULL) AS target_usable`);
  const delivery = claimed.rows[0];
  if (!delivery) return { kind: 'skipped' };
  if (!delivery.target_usable) {
    await deps.db.execute(sql`UPDATE sla_deliveries SET status = 'CANCELLED', locked_until = NULL,
      last_error = 'target disabled or deleted', updated_at = ${now.toISOString()}::timestamptz WHERE id = ${delivery.id}`);
    return { kind: 'cancelled' };
  }

  const eventRows = await deps.db.execute<{ json: SlaEventRow }>(sql`
    SELECT json_build_object('id', id, 'ruleKey', rule_key, 'subjectType', subject_type, 'subjectId', subject_id,
      'severity', severity, 'level', level, 'measuredMinutes', measured_minutes, 'thresholdMinutes', threshold_minutes,
      'payload', payload, 'evaluatedAt', evaluated_at, 'createdAt', created_at, 'repeatOf', repeat_of) AS json
    FROM sla_automation_events WHERE id = ${delivery.event_id}`);
  const raw = eventRows.rows[0]!.json;
  const event = presentSlaEvent({
    ...raw,
    measuredMinutes: Number(raw.measuredMinutes),
    evaluatedAt: raw.evaluatedAt ? new Date(raw.evaluatedAt) : null,
    createdAt: new Date(raw.createdAt),
  });
  const body = JSON.stringify({ id: event.id, type: 'sla.event', createdAt: event.createdAt, data: event });

  const result = await postWebhook({ url: delivery.url, eventId: event.id, body, secret: delivery.secret, now: deps.clock.now() });
  const finishedAt = deps.clock.now();

  const recorded = await inTransaction(deps.db, async (tx) => {
    // create_from_delivery_response: one append-only row per attempt, numbered from the log itself,
    // so even a stalled worker's late attempt gets its own number.
    const attempt = await tx.execute<{ attempt_no: number }>(sql`
      INSERT INTO sla_delivery_attempts (event_id, channel, target, target_id, attempt_no, outcome, http_status,
                                         response_excerpt, error, duration_ms, created_at)
      SELECT ${delivery.event_id}, 'WEBHOOK', ${delivery.url}, ${delivery.target_id},
             coalesce(max(a.attempt_no), 0) + 1, ${result.outcome}, ${result.httpStatus}, ${result.responseExcerpt},
             ${result.error}, ${Math.round(result.durationMs)}, ${finishedAt.toISOString()}::timestamptz
      FROM sla_delivery_attempts a
      WHERE a.event_id = ${delivery.event_id} AND a.target_id = ${delivery.target_id}
      RETURNING attempt_no`);
    const attemptNo = attempt.rows[0]!.attempt_no;
    const next =
      result.outcome === 'SUCCESS' || result.gone ? null : nextAttemptAt(attemptNo, new Date(delivery.created_at), finishedAt);
    const status = result.outcome === 'SUCCESS' ? 'SUCCEEDED' : next ? 'PENDING' : 'FAILED';
    // Only while our claim stands: a worker that stalled past it must not overwrite a newer outcome.
    const updated = await tx.execute(sql`
      UPDATE sla_deliveries SET status = ${status}, attempts = ${attemptNo}, locked_until = NULL,
             next_attempt_at = ${(next ?? finishedAt).toISOString()}::timestamptz,
             last_error = ${result.outcome === 'SUCCESS' ? null : (result.error ?? `HTTP ${result.httpStatus}`)},
             updated_at = ${finishedAt.toISOString()}::timestamptz
      WHERE id = ${delivery.id} AND status = 'PENDING' AND locked_until = ${new Date(delivery.locked_until).toISOString()}::timestamptz`);
    // 410 Gone: the receiver says it will never accept again.
    if (result.gone) await disableDeliveryTarget(tx, delivery.target_id, 'receiver answered 410 Gone');
    return { attemptNo, next, ownClaim: (updated.rowCount ?? 0) > 0 };
  });
  const { attemptNo, next } = recorded;

  if (!recorded.ownClaim) return { kind: 'skipped' };
  if (result.outcome === 'SUCCESS') return { kind: 'succeeded', attemptNo };
  if (next) {
    await deps.jobs.enqueueDeliveries([delivery.id], next);
    return { kind: 'retry', attemptNo, nextAt: next };
  }
  return { kind: 'failed', attemptNo, gone: result.gone };
}

/** Deliveries that are due and not claimed: the safety net for jobs lost between commit and scheduling. */
export async function dueDeliveryIds(deps: AppDeps, limit = 500): Promise<string[]> {
  const now = deps.clock.now().toISOString();
  const rows = await deps.db.execute<{ id: string }>(sql`
    SELECT id FROM sla_deliveries
    WHERE status = 'PENDING' AND next_attempt_at <= ${now}::timestamptz
      AND (locked_until IS NULL OR locked_until <= ${now}::timestamptz)
    ORDER BY next_attempt_at LIMIT ${limit}`);
  return rows.rows.map((r) => r.id);
}

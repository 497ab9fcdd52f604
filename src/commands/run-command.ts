import { createHash } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { AppError, forbidden } from '../errors/app-error.js';
import { isRetryableDbError, toAppError } from '../errors/to-app-error.js';
import { appendOutbox, type OutboxEvent } from '../repositories/outbox.repository.js';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
} from '../repositories/idempotency.repository.js';
import type { AppDeps, Command } from './command.js';

export interface CommandOutcome {
  status: number;
  body: unknown;
  /** True when an idempotency key replayed a stored response. */
  replayed: boolean;
}

const MAX_ATTEMPTS = 3;

const keyInUse = (key: string): AppError =>
  new AppError('CONFLICT', 'A request with this idempotency key is still in progress', {
    reason: 'IDEMPOTENCY_KEY_IN_USE',
    key,
  });

/** JSON with sorted keys, so equal inputs fingerprint equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Same command name + same validated input ⇒ same fingerprint, whichever transport sent it. */
export function fingerprintOf(commandName: string, input: unknown): string {
  return createHash('sha256').update(commandName).update('\0').update(canonicalJson(input)).digest('hex');
}

/**
 * Runs a command for an actor: role check, schema validation, idempotency claim, then one
 * transaction (retried on deadlock/serialization failure) that also stores the response.
 * Transports call only this, so REST and Socket.IO cannot disagree.
 */
export async function runCommand<R>(
  deps: AppDeps,
  command: Command<import('zod').ZodType, R>,
  actor: Actor,
  rawInput: unknown,
  options: { idempotencyKey?: string | undefined } = {},
): Promise<CommandOutcome> {
  const started = process.hrtime.bigint();
  let outcome = 'OK';
  try {
    if (!command.roles.includes(actor.role)) {
      throw forbidden(`${actor.role} may not ${command.summary.toLowerCase()}`, { requiredRoles: command.roles });
    }
    const input = command.input.parse(rawInput);
    const key = options.idempotencyKey;
    let claimToken: string | undefined;
    if (key) {
      const claim = await claimIdempotencyKey(deps.db, {
        actorId: actor.id,
        key,
        fingerprint: fingerprintOf(command.name, input),
        ttlHours: deps.config.idempotencyTtlHours,
      });
      if (claim.kind === 'replay') return { status: claim.status, body: claim.body, replayed: true };
      if (claim.kind === 'mismatch') {
        throw new AppError('IDEMPOTENCY_MISMATCH', 'This idempotency key was used with a different request', { key });
      }
      if (claim.kind === 'in-progress') {
        throw keyInUse(key);
      }
      claimToken = claim.token;
    }
    try {
      const { result, body } = await inTransactionWithRetry(deps, command.name, async (tx) => {
        const outbox: OutboxEvent[] = [];
        const result = await command.run(
          {
            tx,
            actor,
            clock: deps.clock,
            config: deps.config,
            settings: deps.config.metrics,
            commandId: key ?? null,
            publish: (event) => void outbox.push(event),
          },
          input,
        );
        // Round-trip through JSON so the live response equals what a replay returns.
        const json = JSON.parse(JSON.stringify((command.toResponse ? command.toResponse(result) : result) ?? null)) as unknown;
        if (key && claimToken) {
          const stored = await completeIdempotencyKey(tx, { actorId: actor.id, key, token: claimToken, status: command.successStatus, body: json });
          // A retry took our claim over (we were slow, not dead): its run counts, ours rolls back.
          if (!stored) throw keyInUse(key);
        }
        // One INSERT for all of the command's events; their seq is assigned at COMMIT (migration 0005).
        await appendOutbox(tx, outbox);
        return { result, body: json };
      });
      if (command.afterCommit) {
        await command.afterCommit(deps, result).catch((err: unknown) => {
          deps.log.error({ err, command: command.name }, 'after-commit step failed; the worker sweep will retry it');
        });
      }
      return { status: command.successStatus, body, replayed: false };
    } catch (err) {
      if (key && claimToken) {
        await releaseIdempotencyKey(deps.db, { actorId: actor.id, key, token: claimToken }).catch(() => undefined);
      }
      throw err;
    }
  } catch (err) {
    const appError = toAppError(err);
    outcome = appError.code;
    if (appError.code === 'INTERNAL') throw err; // the transport logs the original with its request id
    throw appError;
  } finally {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    deps.metrics.commandDuration.observe({ command: command.name, outcome }, seconds);
  }
}

async function inTransactionWithRetry<T>(
  deps: AppDeps,
  name: string,
  work: (tx: Parameters<Parameters<AppDeps['db']['transaction']>[0]>[0]) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.db.transaction(work);
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isRetryableDbError(err)) throw err;
      deps.metrics.commandRetries.inc({ command: name });
    }
  }
}

import { createHash } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { AppError, forbidden } from '../errors/app-error.js';
import { isRetryableDbError, toAppError } from '../errors/to-app-error.js';
import { finishCommand, openCommand } from '../repositories/command-envelope.repository.js';
import type { OutboxEvent } from '../repositories/outbox.repository.js';
import { findUserById } from '../repositories/user.repository.js';
import { inTransaction, type Tx } from '../db/client.js';
import type { AppDeps, Command } from './command.js';

export interface CommandOutcome {
  status: number;
  body: unknown;
  /** True when an idempotency key replayed a stored response. */
  replayed: boolean;
}

const MAX_ATTEMPTS = 3;

const keyInUse = (key: string): AppError =>
  new AppError('CONFLICT', 'A request with this idempotency key changed meanwhile; retry it', {
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
 * Runs a command for an actor: role check, schema validation, then one transaction (retried on
 * deadlock/serialization failure) that opens with the idempotency claim (and, for transports that
 * did not just read it, the actor's user row), runs the command, and closes with the stored
 * response and the outbox events. Transports call only this, so REST and Socket.IO cannot disagree.
 */
export async function runCommand<R>(
  deps: AppDeps,
  command: Command<import('zod').ZodType, R>,
  actor: Actor,
  rawInput: unknown,
  options: {
    idempotencyKey?: string | undefined;
    /** Re-read the actor's user row in the transaction (a long-lived socket's token is not enough). */
    verifyActor?: boolean;
  } = {},
): Promise<CommandOutcome> {
  const started = process.hrtime.bigint();
  let outcome = 'OK';
  try {
    const verifyActor = options.verifyActor ?? false;
    // Refused before anything runs (no probing of ids or validation). A socket's actor may have
    // been promoted since the handshake, so a refusal looks at the user row first; every run
    // checks the role again inside the transaction, as the row is then.
    assertMayRun(command, verifyActor && !command.roles.includes(actor.role) ? await currentActor(deps, actor.id) : actor);
    const input = command.input.parse(rawInput);
    const key = options.idempotencyKey;
    const fingerprint = key ? fingerprintOf(command.name, input) : undefined;
    const ran = await inTransactionWithRetry(deps, command.name, async (tx) => {
      let runAs = actor;
      if (key || verifyActor) {
        const opening = await openCommand(tx, { actorId: actor.id, verifyActor, key, fingerprint, ttlHours: deps.config.idempotencyTtlHours });
        if (opening.kind === 'replay') return { replayed: true as const, status: opening.status, body: opening.body };
        if (opening.kind === 'mismatch') {
          throw new AppError('IDEMPOTENCY_MISMATCH', 'This idempotency key was used with a different request', { key });
        }
        if (opening.kind === 'vanished') throw keyInUse(key ?? '');
        if (verifyActor) {
          if (!opening.actor?.active) throw new AppError('UNAUTHENTICATED', 'User is unknown or inactive');
          runAs = { id: actor.id, username: opening.actor.username, role: opening.actor.role as Actor['role'] };
          assertMayRun(command, runAs);
        }
      }
      const outbox: OutboxEvent[] = [];
      const result = await command.run(
        {
          tx,
          actor: runAs,
          clock: deps.clock,
          config: deps.config,
          settings: deps.config.metrics,
          commandId: key ?? null,
          publish: (event) => void outbox.push(event),
        },
        input,
      );
      // Round-trip through JSON so the live response equals what a replay returns.
      const body = JSON.parse(JSON.stringify((command.toResponse ? command.toResponse(result) : result) ?? null)) as unknown;
      await finishCommand(tx, { actorId: actor.id, key, status: command.successStatus, body, events: outbox });
      return { replayed: false as const, result, body };
    });
    if (ran.replayed) return { status: ran.status, body: ran.body, replayed: true };
    if (command.afterCommit) {
      await command.afterCommit(deps, ran.result).catch((err: unknown) => {
        deps.log.error({ err, command: command.name }, 'after-commit step failed; the worker sweep will retry it');
      });
    }
    return { status: command.successStatus, body: ran.body, replayed: false };
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

async function currentActor(deps: AppDeps, id: string): Promise<Actor> {
  const user = await findUserById(deps.db, id);
  if (!user?.active) throw new AppError('UNAUTHENTICATED', 'User is unknown or inactive');
  return { id: user.id, username: user.username, role: user.role as Actor['role'] };
}

function assertMayRun(command: Command<import('zod').ZodType, unknown>, actor: Actor): void {
  if (!command.roles.includes(actor.role)) {
    throw forbidden(`${actor.role} may not ${command.summary.toLowerCase()}`, { requiredRoles: command.roles });
  }
}

async function inTransactionWithRetry<T>(
  deps: AppDeps,
  name: string,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(deps.db, work);
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isRetryableDbError(err)) throw err;
      deps.metrics.commandRetries.inc({ command: name });
    }
  }
}

import type { z } from 'zod';
import type { Actor, Role } from '../auth/actor.js';
import type { Config, MetricsSettings } from '../config/config.js';
import type { Db, Tx } from '../db/client.js';
import type { Clock } from '../domain/clock.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { OutboxEvent } from '../repositories/outbox.repository.js';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from 'pino';

/** What commands and queries need from the running product. */
export interface AppDeps {
  db: Db;
  clock: Clock;
  config: Config;
  log: Logger;
  metrics: Metrics;
  jobs: JobQueue;
}

/** Handed to a command inside its transaction. */
export interface CommandContext {
  tx: Tx;
  actor: Actor;
  clock: Clock;
  config: Config;
  settings: MetricsSettings;
  /** The idempotency key (REST `Idempotency-Key` or socket `commandId`), recorded in the logs. */
  commandId: string | null;
  /** Queues an outbox event; runCommand writes them all in one statement at the end of the transaction. */
  publish(event: OutboxEvent): void;
}

/** A use case: one zod schema (shared by REST, socket and OpenAPI), the roles allowed, one transaction. */
export interface Command<S extends z.ZodType = z.ZodType, R = unknown> {
  /** Stable name, e.g. `ticket.start`; part of the idempotency fingerprint. */
  name: string;
  summary: string;
  input: S;
  roles: readonly Role[];
  successStatus: 200 | 201;
  run(ctx: CommandContext, input: z.output<S>): Promise<R>;
  /** The response body; defaults to the result itself. */
  toResponse?(result: R): unknown;
  /** Side effects that must only happen once the transaction committed (e.g. scheduling jobs). */
  afterCommit?(deps: AppDeps, result: R): Promise<void>;
}

/** Declares a command with its types inferred. */
export function defineCommand<S extends z.ZodType, R>(command: Command<S, R>): Command<S, R> {
  return command;
}

export const SUPERVISORS = ['ADMIN', 'SUPERVISOR'] as const satisfies readonly Role[];
export const ADMINS = ['ADMIN'] as const satisfies readonly Role[];
export const WORKERS = ['ADMIN', 'SUPERVISOR', 'TECHNICIAN'] as const satisfies readonly Role[];
export const EVERYONE = ['ADMIN', 'SUPERVISOR', 'TECHNICIAN', 'WALLBOARD'] as const satisfies readonly Role[];

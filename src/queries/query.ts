import type { z } from 'zod';
import type { Actor, Role } from '../auth/actor.js';
import type { AppDeps } from '../commands/command.js';
import { forbidden } from '../errors/app-error.js';

/** A read use case: one zod schema for its parameters (shared with OpenAPI), the roles allowed. */
export interface Query<S extends z.ZodType = z.ZodType, R = unknown> {
  name: string;
  summary: string;
  input: S;
  roles: readonly Role[];
  run(deps: AppDeps, actor: Actor, input: z.output<S>): Promise<R>;
}

export function defineQuery<S extends z.ZodType, R>(query: Query<S, R>): Query<S, R> {
  return query;
}

/** Role check, schema validation, then the read. */
export async function runQuery<R>(deps: AppDeps, query: Query<z.ZodType, R>, actor: Actor, rawInput: unknown): Promise<R> {
  if (!query.roles.includes(actor.role)) {
    throw forbidden(`${actor.role} may not ${query.summary.toLowerCase()}`, { requiredRoles: query.roles });
  }
  return query.run(deps, actor, query.input.parse(rawInput));
}

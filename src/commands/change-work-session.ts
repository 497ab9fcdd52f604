import { z } from 'zod';
import type { WorkSessionEvent } from '../../machines/work-session.machine.js';
import { notFound } from '../errors/app-error.js';
import { lockWorkSession } from '../repositories/work-session.repository.js';
import type { CommandContext } from './command.js';
import { Uuid } from './ticket-events.js';
import { applySessionEvent, assertSessionOwnerOrSupervisor, presentSessionChange } from './work-session-events.js';

export const SessionCommandInput = z.strictObject({ sessionId: Uuid });

/** Locks the session, checks ownership, applies PAUSE/RESUME/STOP. */
export async function changeWorkSession(ctx: CommandContext, sessionId: string, event: WorkSessionEvent) {
  const session = await lockWorkSession(ctx.tx, sessionId);
  if (!session) throw notFound('Work session', sessionId);
  assertSessionOwnerOrSupervisor(ctx, session);
  return presentSessionChange(await applySessionEvent(ctx, session, event));
}

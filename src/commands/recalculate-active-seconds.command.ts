import { notFound } from '../errors/app-error.js';
import { presentWorkSession } from '../presenters/presenters.js';
import { lockWorkSession, recomputeActiveSeconds, setActiveSeconds } from '../repositories/work-session.repository.js';
import { defineCommand, SUPERVISORS } from './command.js';
import { SessionCommandInput } from './change-work-session.js';

/** recalculate_active_seconds: rebuilds active_seconds from the transition log and reports any drift. */
export const recalculateActiveSeconds = defineCommand({
  name: 'session.recalculate',
  summary: 'Recalculate active seconds',
  input: SessionCommandInput,
  roles: SUPERVISORS,
  successStatus: 200,
  async run(ctx, input) {
    const session = await lockWorkSession(ctx.tx, input.sessionId);
    if (!session) throw notFound('Work session', input.sessionId);
    const recomputed = await recomputeActiveSeconds(ctx.tx, session.id);
    const consistent = recomputed === session.activeSeconds;
    const updated = consistent ? session : await setActiveSeconds(ctx.tx, session.id, recomputed);
    return {
      session: presentWorkSession(updated, ctx.clock.now()),
      storedActiveSeconds: session.activeSeconds,
      recomputedActiveSeconds: recomputed,
      consistent,
    };
  },
});

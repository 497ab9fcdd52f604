import { z } from 'zod';
import { ADMINS } from '../commands/command.js';
import type { Db } from '../db/client.js';
import { findSessionDrift } from '../repositories/work-session.repository.js';
import { defineQuery } from './query.js';

/**
 * Compares every session's stored active seconds (and status) with recalculate_active_seconds over
 * its transition log, set-based. Lists the first `limit` differences, oldest session first.
 * Repair one with `POST /work-sessions/:id/recalculate`.
 */
export async function checkSessionConsistency(db: Db, limit: number) {
  const drift = await findSessionDrift(db, limit);
  return {
    consistent: drift.inconsistent === 0,
    checkedSessions: drift.checked,
    inconsistentSessions: drift.inconsistent,
    differences: drift.sessions.map((s) => ({
      ...s,
      differenceSeconds: Number((s.storedActiveSeconds - s.recomputedActiveSeconds).toFixed(6)),
    })),
  };
}
export type SessionConsistencyReport = Awaited<ReturnType<typeof checkSessionConsistency>>;

export const sessionConsistencyQuery = defineQuery({
  name: 'admin.sessionConsistency',
  summary: 'Check stored session time against the transition log',
  input: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(100) }),
  roles: ADMINS,
  run: (deps, _actor, input) => checkSessionConsistency(deps.db, input.limit),
});

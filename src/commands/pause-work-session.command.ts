import { z } from 'zod';
import { PauseReason } from '../../machines/work-session.machine.js';
import { defineCommand, WORKERS } from './command.js';
import { changeWorkSession } from './change-work-session.js';
import { Uuid } from './ticket-events.js';

export const PauseWorkSessionInput = z.strictObject({ sessionId: Uuid, reason: PauseReason });

/** RUNNING → PAUSED with a reason (BREAK, STOCKOUT, END_OF_SHIFT, OTHER). */
export const pauseWorkSession = defineCommand({
  name: 'session.pause',
  summary: 'Pause a work session',
  input: PauseWorkSessionInput,
  roles: WORKERS,
  successStatus: 200,
  run: (ctx, input) => changeWorkSession(ctx, input.sessionId, { type: 'PAUSE', reason: input.reason }),
});

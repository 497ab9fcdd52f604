import { defineCommand, WORKERS } from './command.js';
import { changeWorkSession, SessionCommandInput } from './change-work-session.js';

/** RUNNING/PAUSED → STOPPED; the ticket stays IN_PROGRESS. */
export const stopWorkSession = defineCommand({
  name: 'session.stop',
  summary: 'Stop a work session',
  input: SessionCommandInput,
  roles: WORKERS,
  successStatus: 200,
  run: (ctx, input) => changeWorkSession(ctx, input.sessionId, { type: 'STOP' }),
});

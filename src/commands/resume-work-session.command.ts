import { defineCommand, WORKERS } from './command.js';
import { changeWorkSession, SessionCommandInput } from './change-work-session.js';

/** PAUSED → RUNNING. */
export const resumeWorkSession = defineCommand({
  name: 'session.resume',
  summary: 'Resume a work session',
  input: SessionCommandInput,
  roles: WORKERS,
  successStatus: 200,
  run: (ctx, input) => changeWorkSession(ctx, input.sessionId, { type: 'RESUME' }),
});

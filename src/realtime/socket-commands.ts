import { z } from 'zod';
import type { Command } from '../commands/command.js';
import { assignTicket } from '../commands/assign-ticket.command.js';
import { cancelTicket } from '../commands/cancel-ticket.command.js';
import { failTicketQc } from '../commands/fail-ticket-qc.command.js';
import { openStockout } from '../commands/open-stockout.command.js';
import { passTicketQc } from '../commands/pass-ticket-qc.command.js';
import { pauseWorkSession } from '../commands/pause-work-session.command.js';
import { releaseTicket } from '../commands/release-ticket.command.js';
import { resumeWorkSession } from '../commands/resume-work-session.command.js';
import { startTicket } from '../commands/start-ticket.command.js';
import { startWorkSession } from '../commands/start-work-session.command.js';
import { stopWorkSession } from '../commands/stop-work-session.command.js';
import { submitTicketQc } from '../commands/submit-ticket-qc.command.js';
import { AppError } from '../errors/app-error.js';
import type { ClientCommandEvent } from './events.js';

/** Socket event → the same command module REST uses. */
export const socketCommands: Record<ClientCommandEvent, Command> = {
  'ticket:start': startTicket,
  'ticket:submitQc': submitTicketQc,
  'ticket:release': releaseTicket,
  'ticket:assign': assignTicket,
  'ticket:qcPass': passTicketQc,
  'ticket:qcFail': failTicketQc,
  'ticket:cancel': cancelTicket,
  'session:start': startWorkSession,
  'session:pause': pauseWorkSession,
  'session:resume': resumeWorkSession,
  'session:stop': stopWorkSession,
  'stockout:open': openStockout,
};

const CommandId = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'a client-generated id (UUID recommended)');

/**
 * Splits a socket payload into its commandId and the command's input. The contract's payloads
 * share fields across events (e.g. `reason?` on ticket:start), so only the fields the command's
 * own schema declares are passed on; that schema then validates them exactly as for REST.
 */
export function commandInputFromPayload(command: Command, payload: unknown): { commandId: string; input: Record<string, unknown> } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new AppError('VALIDATION_FAILED', 'Payload must be an object', { issues: [] });
  }
  const record = payload as Record<string, unknown>;
  const commandId = CommandId.safeParse(record.commandId);
  if (!commandId.success) {
    throw new AppError('VALIDATION_FAILED', 'commandId is required', {
      issues: [{ path: 'commandId', code: 'invalid', message: commandId.error.issues[0]?.message ?? 'invalid' }],
    });
  }
  const shape = command.input instanceof z.ZodObject ? Object.keys(command.input.shape) : [];
  const input = Object.fromEntries(Object.entries(record).filter(([key]) => shape.includes(key)));
  return { commandId: commandId.data, input };
}

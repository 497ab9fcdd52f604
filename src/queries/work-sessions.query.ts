import { z } from 'zod';
import { isSupervisor } from '../auth/actor.js';
import { EVERYONE } from '../commands/command.js';
import { Uuid } from '../commands/ticket-events.js';
import { forbidden, notFound } from '../errors/app-error.js';
import { presentWorkSession, presentWorkSessionTransition } from '../presenters/presenters.js';
import {
  findWorkSession,
  listWorkSessions,
  listWorkSessionTransitions,
} from '../repositories/work-session.repository.js';
import type { Actor } from '../auth/actor.js';
import type { Executor } from '../db/client.js';
import type { WorkSessionRow } from '../presenters/presenters.js';
import { defineQuery } from './query.js';

const booleanText = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ListWorkSessionsInput = z.object({
  technicianId: Uuid.optional(),
  ticketId: Uuid.optional(),
  open: booleanText.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Sessions with live active seconds, newest first; technicians see only their own. */
export const listWorkSessionsQuery = defineQuery({
  name: 'session.list',
  summary: 'List work sessions',
  input: ListWorkSessionsInput,
  roles: EVERYONE,
  async run(deps, actor, input) {
    if (actor.role === 'TECHNICIAN' && input.technicianId && input.technicianId !== actor.id) {
      throw forbidden('Technicians may only list their own work sessions');
    }
    const technicianId = actor.role === 'TECHNICIAN' ? actor.id : input.technicianId;
    const rows = await listWorkSessions(deps.db, { ...input, technicianId });
    const now = deps.clock.now();
    return { items: rows.map((s) => presentWorkSession(s, now)) };
  },
});

/** Loads a session the actor may read: its owner or a supervisor. */
async function findReadableSession(db: Executor, actor: Actor, sessionId: string): Promise<WorkSessionRow> {
  const session = await findWorkSession(db, sessionId);
  if (!session) throw notFound('Work session', sessionId);
  if (isSupervisor(actor) || (actor.role === 'TECHNICIAN' && session.technicianId === actor.id)) return session;
  throw forbidden('Only the session owner or a supervisor may read this session', { sessionId: session.id });
}

export const SessionIdInput = z.object({ sessionId: Uuid });

export const getWorkSessionQuery = defineQuery({
  name: 'session.get',
  summary: 'Get a work session',
  input: SessionIdInput,
  roles: EVERYONE,
  async run(deps, actor, input) {
    const session = await findReadableSession(deps.db, actor, input.sessionId);
    return presentWorkSession(session, deps.clock.now());
  },
});

/** The append-only log of a session, oldest first. */
export const getWorkSessionTransitionsQuery = defineQuery({
  name: 'session.transitions',
  summary: 'List work-session transitions',
  input: SessionIdInput,
  roles: EVERYONE,
  async run(deps, actor, input) {
    const session = await findReadableSession(deps.db, actor, input.sessionId);
    return { items: (await listWorkSessionTransitions(deps.db, session.id)).map(presentWorkSessionTransition) };
  },
});

import { z } from 'zod';
import { ADMINS, SUPERVISORS } from '../commands/command.js';
import { presentDeliveryTarget } from '../commands/delivery-target.commands.js';
import { presentCalendar } from '../commands/set-shop-calendar.command.js';
import { Uuid } from '../commands/ticket-events.js';
import { notFound } from '../errors/app-error.js';
import { presentDeliveryAttempt, presentSlaEvent, presentSlaRule } from '../presenters/presenters.js';
import { listDeliveryTargets } from '../repositories/delivery-target.repository.js';
import {
  findShopCalendar,
  findSlaEvent,
  listDeliveryAttempts,
  listSlaEvents,
  listSlaRules,
} from '../repositories/sla.repository.js';
import { defineQuery } from './query.js';

export const listSlaRulesQuery = defineQuery({
  name: 'sla.rule.list',
  summary: 'List SLA rules',
  input: z.object({}),
  roles: SUPERVISORS,
  async run(deps) {
    return { items: (await listSlaRules(deps.db)).map(presentSlaRule) };
  },
});

export const ListSlaEventsInput = z.object({
  ticketId: Uuid.optional(),
  subjectId: Uuid.optional(),
  severity: z.enum(['WARNING', 'BREACH']).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Newest first; `ticketId` (or any `subjectId`) narrows to one subject. */
export const listSlaEventsQuery = defineQuery({
  name: 'sla.event.list',
  summary: 'List SLA events',
  input: ListSlaEventsInput,
  roles: SUPERVISORS,
  async run(deps, _actor, input) {
    const rows = await listSlaEvents(deps.db, {
      subjectId: input.ticketId ?? input.subjectId,
      severity: input.severity,
      since: input.since ? new Date(input.since) : undefined,
      limit: input.limit,
    });
    return { items: rows.map(presentSlaEvent) };
  },
});

export const listDeliveryAttemptsQuery = defineQuery({
  name: 'sla.attempt.list',
  summary: 'List delivery attempts of an SLA event',
  input: z.object({ eventId: Uuid }),
  roles: SUPERVISORS,
  async run(deps, _actor, input) {
    if (!(await findSlaEvent(deps.db, input.eventId))) throw notFound('SLA event', input.eventId);
    return { items: (await listDeliveryAttempts(deps.db, input.eventId)).map(presentDeliveryAttempt) };
  },
});

export const getCalendarQuery = defineQuery({
  name: 'calendar.get',
  summary: 'Get the shop calendar',
  input: z.object({}),
  roles: SUPERVISORS,
  run: async (deps) => presentCalendar(await findShopCalendar(deps.db)),
});

export const listDeliveryTargetsQuery = defineQuery({
  name: 'deliveryTarget.list',
  summary: 'List delivery targets',
  input: z.object({}),
  roles: ADMINS,
  async run(deps) {
    return { items: (await listDeliveryTargets(deps.db)).map(presentDeliveryTarget) };
  },
});

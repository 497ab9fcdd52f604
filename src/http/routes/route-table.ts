import type { z } from 'zod';
import type { Command } from '../../commands/command.js';
import { createDeliveryTarget, deleteDeliveryTarget } from '../../commands/delivery-target.commands.js';
import { evaluateSlaNow } from '../../commands/evaluate-sla.command.js';
import { clearShopCalendar, setShopCalendar } from '../../commands/set-shop-calendar.command.js';
import { updateSlaRule } from '../../commands/update-sla-rule.command.js';
import { addPartSpec } from '../../commands/add-part-spec.command.js';
import { assignTicket } from '../../commands/assign-ticket.command.js';
import { cancelTicket } from '../../commands/cancel-ticket.command.js';
import { createInventoryItem } from '../../commands/create-inventory-item.command.js';
import { createPart } from '../../commands/create-part.command.js';
import { createTicket } from '../../commands/create-ticket.command.js';
import { createUser } from '../../commands/create-user.command.js';
import { deactivatePartSpec } from '../../commands/deactivate-part-spec.command.js';
import { failTicketQc } from '../../commands/fail-ticket-qc.command.js';
import { openStockout } from '../../commands/open-stockout.command.js';
import { overrideTicketMetrics } from '../../commands/override-ticket-metrics.command.js';
import { passTicketQc } from '../../commands/pass-ticket-qc.command.js';
import { pauseWorkSession } from '../../commands/pause-work-session.command.js';
import { recalculateActiveSeconds } from '../../commands/recalculate-active-seconds.command.js';
import { releaseTicket } from '../../commands/release-ticket.command.js';
import { resolveStockout } from '../../commands/resolve-stockout.command.js';
import { restoreAutoMetrics } from '../../commands/restore-auto-metrics.command.js';
import { resumeWorkSession } from '../../commands/resume-work-session.command.js';
import { startTicket } from '../../commands/start-ticket.command.js';
import { startWorkSession } from '../../commands/start-work-session.command.js';
import { stopWorkSession } from '../../commands/stop-work-session.command.js';
import { submitTicketQc } from '../../commands/submit-ticket-qc.command.js';
import { updateUser } from '../../commands/update-user.command.js';
import {
  getInventoryItemQuery,
  listPartsQuery,
  listStockoutsQuery,
  listUsersQuery,
} from '../../queries/catalog.query.js';
import { floorQuery } from '../../queries/floor.query.js';
import { payrollQuery } from '../../queries/payroll.query.js';
import { sessionConsistencyQuery } from '../../queries/session-consistency.query.js';
import { payrollCsv, payrollCsvFilename } from '../../presenters/payroll.presenter.js';
import type { Query } from '../../queries/query.js';
import {
  getCalendarQuery,
  listDeliveryAttemptsQuery,
  listDeliveryTargetsQuery,
  listSlaEventsQuery,
  listSlaRulesQuery,
} from '../../queries/sla.query.js';
import { getTicketQuery, getTicketTransitionsQuery, listTicketsQuery } from '../../queries/tickets.query.js';
import {
  getWorkSessionQuery,
  getWorkSessionTransitionsQuery,
  listWorkSessionsQuery,
} from '../../queries/work-sessions.query.js';

/** Path parameter → input field, e.g. `{ id: 'ticketId' }`. */
export type ParamMap = Record<string, string>;

/**
 * Another representation of a query's result (e.g. CSV), served when the `Accept` header prefers
 * it; JSON stays the default. The query returns data; `render` only formats it.
 */
export interface Representation<R = unknown> {
  mediaType: 'text/csv';
  render(result: R): string;
  /** Suggested download name (Content-Disposition). */
  filename?(result: R): string;
}

export type RouteDef =
  | { kind: 'command'; method: 'post' | 'put' | 'delete' | 'patch'; path: string; params?: ParamMap; tag: string; command: Command }
  | {
      kind: 'query';
      method: 'get';
      path: string;
      params?: ParamMap;
      tag: string;
      query: Query;
      representations?: Representation[];
    };

const cmd = (
  method: 'post' | 'put' | 'delete' | 'patch',
  path: string,
  tag: string,
  command: Command,
  params?: ParamMap,
): RouteDef => ({ kind: 'command', method, path, tag, command, params });

const get = <R>(
  path: string,
  tag: string,
  query: Query<z.ZodType, R>,
  params?: ParamMap,
  representations?: Representation<R>[],
): RouteDef => ({
  kind: 'query',
  method: 'get',
  path,
  tag,
  query: query as Query,
  params,
  representations: representations as Representation[] | undefined,
});

const ticket = { id: 'ticketId' };
const session = { id: 'sessionId' };

/** Every `/api/v1` route but login: the single source for Express and for OpenAPI. */
export const routeTable: RouteDef[] = [
  cmd('post', '/users', 'users', createUser),
  cmd('patch', '/users/:id', 'users', updateUser, { id: 'userId' }),
  get('/users', 'users', listUsersQuery),
  cmd('post', '/inventory-items', 'inventory', createInventoryItem),
  get('/inventory-items/:id', 'inventory', getInventoryItemQuery, { id: 'itemId' }),
  cmd('post', '/parts', 'parts', createPart),
  get('/parts', 'parts', listPartsQuery),

  cmd('post', '/tickets', 'tickets', createTicket),
  get('/tickets', 'tickets', listTicketsQuery),
  get('/tickets/:id', 'tickets', getTicketQuery, ticket),
  cmd('post', '/tickets/:id/assign', 'tickets', assignTicket, ticket),
  cmd('post', '/tickets/:id/start', 'tickets', startTicket, ticket),
  cmd('post', '/tickets/:id/submit-qc', 'tickets', submitTicketQc, ticket),
  cmd('post', '/tickets/:id/qc-pass', 'tickets', passTicketQc, ticket),
  cmd('post', '/tickets/:id/qc-fail', 'tickets', failTicketQc, ticket),
  cmd('post', '/tickets/:id/release', 'tickets', releaseTicket, ticket),
  cmd('post', '/tickets/:id/cancel', 'tickets', cancelTicket, ticket),
  get('/tickets/:id/transitions', 'tickets', getTicketTransitionsQuery, ticket),
  cmd('post', '/tickets/:id/part-specs', 'tickets', addPartSpec, ticket),
  cmd('delete', '/tickets/:id/part-specs/:specId', 'tickets', deactivatePartSpec, { id: 'ticketId', specId: 'specId' }),
  cmd('put', '/tickets/:id/metrics', 'tickets', overrideTicketMetrics, ticket),
  cmd('delete', '/tickets/:id/metrics', 'tickets', restoreAutoMetrics, ticket),

  cmd('post', '/work-sessions', 'work-sessions', startWorkSession),
  get('/work-sessions', 'work-sessions', listWorkSessionsQuery),
  get('/work-sessions/:id', 'work-sessions', getWorkSessionQuery, session),
  cmd('post', '/work-sessions/:id/pause', 'work-sessions', pauseWorkSession, session),
  cmd('post', '/work-sessions/:id/resume', 'work-sessions', resumeWorkSession, session),
  cmd('post', '/work-sessions/:id/stop', 'work-sessions', stopWorkSession, session),
  cmd('post', '/work-sessions/:id/recalculate', 'work-sessions', recalculateActiveSeconds, session),
  get('/work-sessions/:id/transitions', 'work-sessions', getWorkSessionTransitionsQuery, session),

  cmd('post', '/stockouts', 'stockouts', openStockout),
  cmd('post', '/stockouts/:id/resolve', 'stockouts', resolveStockout, { id: 'stockoutId' }),
  get('/stockouts', 'stockouts', listStockoutsQuery),

  get('/floor', 'floor', floorQuery),
  get('/analytics/payroll', 'analytics', payrollQuery, undefined, [
    { mediaType: 'text/csv', render: payrollCsv, filename: payrollCsvFilename },
  ]),
  get('/admin/session-consistency', 'admin', sessionConsistencyQuery),

  get('/sla/rules', 'sla', listSlaRulesQuery),
  cmd('put', '/sla/rules/:key', 'sla', updateSlaRule, { key: 'key' }),
  get('/sla/events', 'sla', listSlaEventsQuery),
  get('/sla/events/:id/attempts', 'sla', listDeliveryAttemptsQuery, { id: 'eventId' }),
  cmd('post', '/sla/evaluate', 'sla', evaluateSlaNow),
  get('/calendar', 'sla', getCalendarQuery),
  cmd('put', '/calendar', 'sla', setShopCalendar),
  cmd('delete', '/calendar', 'sla', clearShopCalendar),
  get('/delivery-targets', 'sla', listDeliveryTargetsQuery),
  cmd('post', '/delivery-targets', 'sla', createDeliveryTarget),
  cmd('delete', '/delivery-targets/:id', 'sla', deleteDeliveryTarget, { id: 'targetId' }),
];

import { z } from 'zod';
import { WORKERS } from '../commands/command.js';
import { Uuid } from '../commands/ticket-events.js';
import { PeriodBound, resolvePeriod, TimeZoneName } from '../domain/report-period.js';
import { forbidden, notFound } from '../errors/app-error.js';
import { presentPayroll } from '../presenters/payroll.presenter.js';
import { payrollRows } from '../repositories/analytics.repository.js';
import { findShopCalendar } from '../repositories/sla.repository.js';
import { findUserById } from '../repositories/user.repository.js';
import { defineQuery } from './query.js';

export const PayrollInput = z.object({
  from: PeriodBound,
  to: PeriodBound,
  technicianId: Uuid.optional(),
  /** Time zone of date bounds; default: the shop calendar's, else UTC. */
  tz: TimeZoneName.optional(),
});

/**
 * Per-technician payroll figures for a period (domain.md "Payroll and operations analytics").
 * Supervisors and admins get every active technician plus anyone with activity in the period (or
 * the one they name); a technician gets only their own row.
 */
export const payrollQuery = defineQuery({
  name: 'analytics.payroll',
  summary: 'Payroll report per technician',
  input: PayrollInput,
  roles: WORKERS,
  async run(deps, actor, input) {
    if (actor.role === 'TECHNICIAN' && input.technicianId && input.technicianId !== actor.id) {
      throw forbidden('Technicians may only read their own payroll figures', { technicianId: input.technicianId });
    }
    const technicianId = actor.role === 'TECHNICIAN' ? actor.id : input.technicianId;
    if (technicianId && !(await findUserById(deps.db, technicianId))) throw notFound('Technician', technicianId);
    const tz = input.tz ?? (await findShopCalendar(deps.db))?.timezone ?? 'UTC';
    const period = resolvePeriod(input, tz);
    const now = deps.clock.now();
    return presentPayroll(period, now, await payrollRows(deps.db, { ...period, now, technicianId }));
  },
});

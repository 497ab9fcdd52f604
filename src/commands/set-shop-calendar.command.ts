import { z } from 'zod';
import { ShopCalendarSchema } from '../domain/business-calendar.js';
import { deleteShopCalendar, upsertShopCalendar } from '../repositories/sla.repository.js';
import { ADMINS, defineCommand } from './command.js';

export const presentCalendar = (row: { timezone: string; weeklyHours: unknown; holidays: string[]; updatedAt: Date } | undefined) =>
  row
    ? { mode: 'BUSINESS_HOURS', timezone: row.timezone, weeklyHours: row.weeklyHours, holidays: row.holidays, updatedAt: row.updatedAt.toISOString() }
    : { mode: 'ALWAYS_OPEN', timezone: null, weeklyHours: null, holidays: [], updatedAt: null };

/** PUT /calendar: SLA clocks count only inside these business hours from the next evaluation on. */
export const setShopCalendar = defineCommand({
  name: 'calendar.set',
  summary: 'Set the shop calendar',
  input: ShopCalendarSchema,
  roles: ADMINS,
  successStatus: 200,
  async run(ctx, input) {
    const row = await upsertShopCalendar(ctx.tx, {
      timezone: input.timezone,
      weeklyHours: input.weeklyHours as Record<string, { start: string; end: string }[]>,
      holidays: input.holidays,
      updatedBy: ctx.actor.id,
      updatedAt: ctx.clock.now(),
    });
    return presentCalendar(row);
  },
});

/** DELETE /calendar: back to 24/7 clocks. */
export const clearShopCalendar = defineCommand({
  name: 'calendar.clear',
  summary: 'Clear the shop calendar (24/7)',
  input: z.strictObject({}),
  roles: ADMINS,
  successStatus: 200,
  async run(ctx) {
    await deleteShopCalendar(ctx.tx);
    return presentCalendar(undefined);
  },
});

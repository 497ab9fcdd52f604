import { z } from 'zod';
import { validationFailed } from '../errors/app-error.js';
import { isCalendarDate, isTimeZone, localDateStart } from './business-calendar.js';

/**
 * Report periods (payroll): `from`/`to` are ISO-8601 instants or local dates.
 *
 * - An instant needs an offset (`2026-03-01T00:00:00Z`, `…+01:00`) and is taken as written.
 * - A date `YYYY-MM-DD` is a whole local day in `tz`: `from` starts at its local midnight, `to`
 *   INCLUDES the day (the period ends at the next day's local midnight), so `from=2026-03-01&
 *   to=2026-03-31` is March. A midnight in a DST gap maps to the first instant after the gap.
 * - The period is half-open [from, to), `from < to`, and at most MAX_PERIOD_DAYS long (plus
 *   one hour, so a year of local days across a DST change still fits).
 */
export const MAX_PERIOD_DAYS = 366;
const MAX_PERIOD_MS = MAX_PERIOD_DAYS * 86_400_000 + 3_600_000;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const instant = z.iso.datetime({ offset: true });

/** Payroll periods outside these years are typing mistakes (and year 10000 has no YYYY-MM-DD). */
const MIN_YEAR = 1900;
const MAX_YEAR = 2999;
const yearOf = (v: string): number => (DATE_ONLY.test(v) ? Number(v.slice(0, 4)) : new Date(v).getUTCFullYear());

/** A period bound as clients send it: an ISO instant with offset, or a date YYYY-MM-DD. */
export const PeriodBound = z
  .string()
  .trim()
  .refine((v) => (DATE_ONLY.test(v) ? isCalendarDate(v) : instant.safeParse(v).success && !Number.isNaN(Date.parse(v))), {
    error: 'must be an ISO-8601 instant with offset (2026-03-01T06:00:00Z) or a date YYYY-MM-DD',
    abort: true,
  })
  .refine((v) => yearOf(v) >= MIN_YEAR && yearOf(v) <= MAX_YEAR, { error: `must be in the years ${MIN_YEAR}–${MAX_YEAR}` });

/** An IANA time zone name this runtime knows, e.g. Europe/Berlin. */
export const TimeZoneName = z
  .string()
  .trim()
  .refine(isTimeZone, { error: (iss) => `${JSON.stringify(iss.input)} is not a known IANA time zone (e.g. Europe/Berlin)` });

export interface ResolvedPeriod {
  from: Date;
  to: Date;
  tz: string;
}

/** The day after a YYYY-MM-DD date, as YYYY-MM-DD (calendar arithmetic, no time zone involved). */
function nextDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const fieldError = (field: string, code: string, message: string) =>
  validationFailed(`${field} ${message}`, [{ path: field, code, message }]);

/** Turns validated bounds into instants; refuses an empty, reversed or over-long period (400 naming `to`). */
export function resolvePeriod(bounds: { from: string; to: string }, tz: string): ResolvedPeriod {
  const from = DATE_ONLY.test(bounds.from) ? localDateStart(tz, bounds.from) : new Date(bounds.from);
  const to = DATE_ONLY.test(bounds.to) ? localDateStart(tz, nextDate(bounds.to)) : new Date(bounds.to);
  if (!(from.getTime() < to.getTime())) {
    throw fieldError('to', 'period_empty', `must be after from (${from.toISOString()} … ${to.toISOString()} is empty)`);
  }
  if (to.getTime() - from.getTime() > MAX_PERIOD_MS) {
    throw fieldError('to', 'period_too_long', `must be at most ${MAX_PERIOD_DAYS} days after from`);
  }
  return { from, to, tz };
}

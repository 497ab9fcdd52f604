import { z } from 'zod';

/**
 * Shop business hours for SLA clocks.
 *
 * A shop calendar has an IANA time zone, weekly opening spans in local wall-clock time and a list
 * of local holiday dates. Clocks only count the real (UTC) time that falls inside an open window;
 * without a calendar (`null`) the shop is open 24/7.
 *
 * Semantics:
 * - Wall time → instant: a local time maps to the EARLIEST instant whose local wall time is ≥ it.
 *   So a time in the spring-forward gap (e.g. 02:30 on a day clocks jump 02:00 → 03:00) maps to the
 *   first instant after the gap (03:00 new time), and an ambiguous time in the repeated autumn hour
 *   maps to the earlier of its two instants (the one still on summer time).
 * - Spans measure real elapsed time: 08:00–17:00 is 9 h on every day whose DST change lies outside
 *   it; a span containing the spring gap is one hour shorter (01:00–04:00 → 2 h), a span containing
 *   the whole repeated autumn hour is one hour longer (01:00–04:00 → 4 h).
 * - Overnight: a span whose end is ≤ its start runs past midnight into the next day (Fri 22:00–06:00
 *   ends Saturday 06:00; Sun 22:00–06:00 ends Monday 06:00). `24:00` is a valid end.
 * - Holidays close the spans that START on that local date: a holiday on Friday closes the whole
 *   Fri 22:00–06:00 span, a holiday on Saturday does not touch it.
 * - Windows are half-open [start, end); adjacent or overlapping windows are merged.
 *
 * Cost is linear in the number of local days of the range (never minutes): time-zone offsets are
 * sampled every 4 days and cached per time zone, exact transition instants are found by bisection.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** 'HH:MM' local shop time; end ≤ start means the span runs past midnight into the next day; '24:00' allowed as end. */
export interface OpeningSpan {
  start: string;
  end: string;
}

/** holidays: 'YYYY-MM-DD' local dates on which spans STARTING that day are closed. */
export interface ShopCalendar {
  timezone: string;
  weeklyHours: Partial<Record<Weekday, OpeningSpan[]>>;
  holidays: string[];
}

/** A half-open interval [start, end) of UTC instants. */
export interface Window {
  start: Date;
  end: Date;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const DAY_MINUTES = 1_440;
const WEEK_MINUTES = 7 * DAY_MINUTES;
const MAX_SPANS_PER_DAY = 14;
const MAX_HOLIDAYS = 1_000;

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const START_RE = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const END_RE = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a time zone this runtime knows (IANA names such as Europe/Berlin, and UTC). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Minutes since local midnight for 'HH:MM' (24:00 → 1440), NaN when malformed. */
function parseTime(value: string, allow24: boolean): number {
  if (!(allow24 ? END_RE : START_RE).test(value)) return Number.NaN;
  return Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5));
}

/** [start, end) in minutes after the local midnight of the span's day; end may exceed 1440 (overnight). */
function spanMinutes(span: OpeningSpan): [number, number] {
  const start = parseTime(span.start, false);
  const end = parseTime(span.end, true);
  return [start, end <= start ? end + DAY_MINUTES : end];
}

/** True for a real calendar date written YYYY-MM-DD (no 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

const OpeningSpanSchema = z
  .strictObject(
    {
      start: z.string({ error: 'start must be a string HH:MM' }).regex(START_RE, {
        error: 'start must be a local time HH:MM between 00:00 and 23:59',
      }),
      end: z.string({ error: 'end must be a string HH:MM' }).regex(END_RE, {
        error: 'end must be a local time HH:MM between 00:00 and 24:00',
      }),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `opening span: unknown key(s) ${iss.keys.join(', ')} (expected start, end)`
          : 'opening span must be an object { start, end }',
    },
  )
  .refine((s) => s.start !== s.end, {
    error: 'opening span is empty: start equals end (use 00:00–24:00 for a whole day)',
  });

const DaySchema = z
  .array(OpeningSpanSchema, { error: 'opening spans of a weekday must be an array' })
  .max(MAX_SPANS_PER_DAY, { error: `at most ${MAX_SPANS_PER_DAY} opening spans per weekday` });

const fmtSpan = (day: Weekday, span: OpeningSpan) => `${day} ${span.start}–${span.end}`;

const WeeklyHoursSchema = z
  .strictObject(
    {
      mon: DaySchema.optional(),
      tue: DaySchema.optional(),
      wed: DaySchema.optional(),
      thu: DaySchema.optional(),
      fri: DaySchema.optional(),
      sat: DaySchema.optional(),
      sun: DaySchema.optional(),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `weeklyHours: unknown weekday key(s) ${iss.keys.join(', ')} (expected ${WEEKDAYS.join(', ')})`
          : 'weeklyHours must be an object keyed by weekday (mon … sun)',
    },
  )
  .superRefine((week, ctx) => {
    // Expand every span onto a Monday-00:00-based week line (overnight spans run into the next
    // day, Sunday night wraps to Monday morning) and look for any two pieces that overlap.
    interface Piece { start: number; end: number; day: Weekday; index: number; span: OpeningSpan }
    const pieces: Piece[] = [];
    let total = 0;
    WEEKDAYS.forEach((day, d) => {
      (week[day] ?? []).forEach((span, index) => {
        total++;
        const [s, e] = spanMinutes(span);
        if (span.start === span.end || !(e > s)) return; // malformed or empty: reported by the span schema
        const start = d * DAY_MINUTES + s;
        const end = d * DAY_MINUTES + e;
        if (end <= WEEK_MINUTES) {
          pieces.push({ start, end, day, index, span });
        } else {
          pieces.push({ start, end: WEEK_MINUTES, day, index, span });
          pieces.push({ start: 0, end: end - WEEK_MINUTES, day, index, span });
        }
      });
    });
    if (total === 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'weeklyHours must contain at least one opening span (use no calendar for 24/7)',
        path: [],
      });
      return;
    }
    pieces.sort((a, b) => a.start - b.start || a.end - b.end);
    let reach: Piece | undefined; // the piece reaching furthest so far
    const reported = new Set<string>();
    for (const piece of pieces) {
      if (reach && piece.start < reach.end) {
        const key = `${piece.day}/${piece.index}`;
        if (!reported.has(key)) {
          reported.add(key);
          ctx.addIssue({
            code: 'custom',
            message: `weeklyHours: opening span ${fmtSpan(piece.day, piece.span)} overlaps ${fmtSpan(reach.day, reach.span)}`,
            path: [piece.day, piece.index],
          });
        }
      }
      if (!reach || piece.end > reach.end) reach = piece;
    }
  });

const HolidaysSchema = z
  .array(
    z.string({ error: 'holiday must be a date string YYYY-MM-DD' }).refine(isCalendarDate, {
      error: (iss) => `holiday ${JSON.stringify(iss.input)} is not a valid date YYYY-MM-DD`,
    }),
    { error: 'holidays must be an array of dates YYYY-MM-DD' },
  )
  .max(MAX_HOLIDAYS, { error: `holidays: at most ${MAX_HOLIDAYS} dates` })
  .superRefine((dates, ctx) => {
    const seen = new Map<string, number>();
    dates.forEach((date, i) => {
      const first = seen.get(date);
      if (first === undefined) seen.set(date, i);
      else ctx.addIssue({ code: 'custom', message: `holidays: ${date} is listed twice (first at index ${first})`, path: [i] });
    });
  });

/**
 * A shop calendar as accepted from clients (e.g. `PUT /api/v1/calendar`). Strict objects
 * everywhere; a weekday may be omitted or `[]` (closed), but the week needs at least one span.
 * `holidays` defaults to `[]`.
 */
export const ShopCalendarSchema: z.ZodType<ShopCalendar> = z.strictObject(
  {
    timezone: z
      .string({ error: 'timezone must be a string (IANA time zone such as Europe/Berlin)' })
      .refine(isTimeZone, {
        error: (iss) => `timezone ${JSON.stringify(iss.input)} is not a known IANA time zone (e.g. Europe/Berlin)`,
      }),
    weeklyHours: WeeklyHoursSchema,
    holidays: HolidaysSchema.default([]),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `shop calendar: unknown key(s) ${iss.keys.join(', ')} (expected timezone, weeklyHours, holidays)`
        : 'shop calendar must be an object { timezone, weeklyHours, holidays }',
  },
);

// ---------------------------------------------------------------------------------------------
// Time-zone offsets
// ---------------------------------------------------------------------------------------------

interface ZoneInfo {
  format: Intl.DateTimeFormat;
  /** offset (local − UTC, ms) at the instant `k × SAMPLE_STEP`, by sample index k */
  samples: Map<number, number>;
  /** first instant with the new offset, for sample indexes whose offset differs from the next one's */
  transitions: Map<number, number>;
}

/**
 * Offsets are sampled every 4 days; a change between two samples is located by bisection.
 * This assumes at most one offset change per 4 days: in the tz database (1990–2045) consecutive
 * changes of any zone are at least 7 days apart.
 */
const SAMPLE_STEP = 4 * DAY;
const zones = new Map<string, ZoneInfo>();
const MAX_CACHED_SAMPLES = 50_000;

function zone(timeZone: string): ZoneInfo {
  let info = zones.get(timeZone);
  if (!info) {
    info = {
      format: new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
      samples: new Map(),
      transitions: new Map(),
    };
    zones.set(timeZone, info);
  }
  return info;
}

/** Local wall time minus UTC (ms) at `ms`, at second precision (Intl does not report fractions). */
function offsetAt(info: ZoneInfo, ms: number): number {
  const instant = Math.floor(ms / 1_000) * 1_000;
  let year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  for (const part of info.format.formatToParts(new Date(instant))) {
    switch (part.type) {
      case 'year': year = Number(part.value); break;
      case 'month': month = Number(part.value); break;
      case 'day': day = Number(part.value); break;
      case 'hour': hour = Number(part.value) % 24; break;
      case 'minute': minute = Number(part.value); break;
      case 'second': second = Number(part.value); break;
      default: break;
    }
  }
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  wall.setUTCHours(hour, minute, second, 0);
  return wall.getTime() - instant;
}

function sample(info: ZoneInfo, k: number): number {
  let offset = info.samples.get(k);
  if (offset === undefined) {
    if (info.samples.size >= MAX_CACHED_SAMPLES) {
      info.samples.clear();
      info.transitions.clear();
    }
    offset = offsetAt(info, k * SAMPLE_STEP);
    info.samples.set(k, offset);
  }
  return offset;
}

/** The first instant in (sample k, sample k + 1] whose offset is no longer sample k's. */
function transitionAfter(info: ZoneInfo, k: number): number {
  let at = info.transitions.get(k);
  if (at === undefined) {
    const before = sample(info, k);
    let lo = (k * SAMPLE_STEP) / 1_000; // seconds; offset === before
    let hi = ((k + 1) * SAMPLE_STEP) / 1_000; // offset !== before
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(info, mid * 1_000) === before) lo = mid;
      else hi = mid;
    }
    at = hi * 1_000;
    info.transitions.set(k, at);
  }
  return at;
}

/** Piecewise-constant offsets: segment k is [starts[k], ends[k]) with offsets[k]. */
interface Segments {
  starts: number[];
  ends: number[];
  offsets: number[];
}

/** Offset segments exact over the instants [from, to]; the outermost segments extend to ±∞. */
function segmentsFor(info: ZoneInfo, from: number, to: number): Segments {
  const first = Math.floor(from / SAMPLE_STEP);
  const last = Math.ceil(to / SAMPLE_STEP);
  const starts = [-Infinity];
  const ends: number[] = [];
  const offsets = [sample(info, first)];
  let current = offsets[0]!;
  for (let k = first; k < last; k++) {
    const next = sample(info, k + 1);
    if (next !== current) {
      const at = transitionAfter(info, k);
      ends.push(at);
      starts.push(at);
      offsets.push(next);
      current = next;
    }
  }
  ends.push(Infinity);
  return { starts, ends, offsets };
}

/** Max |offset| allowed by ECMAScript time zones (±18 h), as a search margin. */
const MAX_OFFSET = 18 * 3_600_000;

/**
 * The earliest instant whose local wall time is ≥ `wall` (wall time encoded as if it were UTC ms).
 * Unique local times map to their instant; gap times map to the first instant after the gap;
 * ambiguous (repeated) times map to the earlier instant. Non-decreasing in `wall`.
 */
function wallToInstant(segs: Segments, wall: number): number {
  const { starts, ends, offsets } = segs;
  // first segment that can hold a candidate: ends[k] > wall − MAX_OFFSET
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid]! > wall - MAX_OFFSET) hi = mid;
    else lo = mid + 1;
  }
  let best = Infinity;
  for (let k = lo; k < starts.length && starts[k]! < best; k++) {
    const t = Math.max(starts[k]!, wall - offsets[k]!);
    if (t < ends[k]! && t < best) best = t;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Windows
// ---------------------------------------------------------------------------------------------

interface Compiled {
  info: ZoneInfo;
  /** per weekday (0 = Monday): [start, end) minutes after local midnight, sorted by start */
  days: [number, number][][];
  holidays: Set<string>;
}

function compile(calendar: ShopCalendar): Compiled {
  const days = WEEKDAYS.map((day) =>
    (calendar.weeklyHours[day] ?? [])
      .map((span) => {
        const minutes = spanMinutes(span);
        if (span.start === span.end || !(minutes[1] > minutes[0])) {
          throw new RangeError(`invalid opening span ${day} ${JSON.stringify(span)}; validate calendars with ShopCalendarSchema`);
        }
        return minutes;
      })
      .sort((a, b) => a[0] - b[0]),
  );
  return { info: zone(calendar.timezone), days, holidays: new Set(calendar.holidays) };
}

function ms(date: Date, name: string): number {
  const value = date.getTime();
  if (Number.isNaN(value)) throw new RangeError(`${name} is an invalid Date`);
  return value;
}

/** Monday = 0 … Sunday = 6 for a day number (days since 1970-01-01, a Thursday). */
const weekdayIndex = (day: number) => (((day + 3) % 7) + 7) % 7;

/** Merged, sorted open windows intersecting [from, to), clipped to it, as [start, end) ms pairs. */
function windowsMs(calendar: ShopCalendar | null, from: number, to: number): [number, number][] {
  if (!(to > from)) return [];
  if (calendar === null) return [[from, to]];
  const { info, days, holidays } = compile(calendar);
  // Local dates whose spans can reach [from, to): offsets are within ±18 h, spans shorter than 2 days.
  const firstDay = Math.floor(from / DAY) - 2;
  const lastDay = Math.floor(to / DAY) + 1;
  const segs = segmentsFor(info, (firstDay - 1) * DAY, (lastDay + 3) * DAY);
  const out: [number, number][] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const spans = days[weekdayIndex(day)]!;
    if (spans.length === 0) continue;
    if (holidays.size > 0 && holidays.has(new Date(day * DAY).toISOString().slice(0, 10))) continue;
    const midnight = day * DAY;
    for (const [s, e] of spans) {
      const start = Math.max(from, wallToInstant(segs, midnight + s * MINUTE));
      const end = Math.min(to, wallToInstant(segs, midnight + e * MINUTE));
      if (end <= start) continue;
      const last = out[out.length - 1];
      // Starts are non-decreasing (spans sorted per day, wall → instant is monotonic), so merging
      // with the last window is enough.
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else out.push([start, end]);
    }
  }
  return out;
}

/**
 * Open windows intersecting [from, to), merged (adjacent/overlapping joined), sorted, clipped to
 * [from, to). calendar null = always open → [{from, to}]. Empty when to ≤ from.
 * Throws RangeError for invalid Dates or malformed spans (validate with ShopCalendarSchema).
 */
export function openWindows(calendar: ShopCalendar | null, from: Date, to: Date): Window[] {
  return windowsMs(calendar, ms(from, 'from'), ms(to, 'to')).map(([start, end]) => ({
    start: new Date(start),
    end: new Date(end),
  }));
}

/** Minutes (fractional) of [from, to) inside open windows; 0 if to <= from. */
export function businessMinutesBetween(calendar: ShopCalendar | null, from: Date, to: Date): number {
  let total = 0;
  for (const [start, end] of windowsMs(calendar, ms(from, 'from'), ms(to, 'to'))) total += end - start;
  return total / MINUTE;
}

/**
 * Business minutes of the union of `intervals` (end null = `now`) clipped to [from, to):
 * overlapping intervals counted once. Does not modify `intervals`.
 */
export function businessMinutesOfUnion(
  calendar: ShopCalendar | null,
  intervals: { start: Date; end: Date | null }[],
  from: Date,
  to: Date,
  now: Date,
): number {
  const lo = ms(from, 'from');
  const hi = ms(to, 'to');
  const nowMs = ms(now, 'now');
  if (!(hi > lo)) return 0;
  const clipped = intervals
    .map((i, k) => [
      Math.max(ms(i.start, `intervals[${k}].start`), lo),
      Math.min(i.end === null ? nowMs : ms(i.end, `intervals[${k}].end`), hi),
    ] as [number, number])
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  const union: [number, number][] = [];
  for (const [start, end] of clipped) {
    const last = union[union.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else union.push([start, end]);
  }
  if (union.length === 0) return 0;
  const windows = windowsMs(calendar, union[0]![0], union[union.length - 1]![1]);
  // Both lists are sorted and disjoint: sweep them together.
  let total = 0;
  let w = 0;
  for (const [start, end] of union) {
    while (w < windows.length && windows[w]![1] <= start) w++;
    for (let k = w; k < windows.length && windows[k]![0] < end; k++) {
      total += Math.min(end, windows[k]![1]) - Math.max(start, windows[k]![0]);
    }
  }
  return total / MINUTE;
}

/**
 * The instant a local date begins in `timeZone`: local midnight, or, on a day whose midnight falls
 * in a DST gap, the first instant after the gap (the same rule as opening spans).
 * `date` is YYYY-MM-DD (validate with isCalendarDate).
 */
export function localDateStart(timeZone: string, date: string): Date {
  const m = DATE_RE.exec(date);
  if (!m || !isCalendarDate(date)) throw new RangeError(`${date} is not a date YYYY-MM-DD`);
  const wall = new Date(0);
  wall.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const midnight = wall.getTime();
  const segs = segmentsFor(zone(timeZone), midnight - 2 * DAY, midnight + 2 * DAY);
  return new Date(wallToInstant(segs, midnight));
}

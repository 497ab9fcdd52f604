/** A half-open time interval [start, end); `end` null means "still open". */
export interface Interval {
  start: Date;
  end: Date | null;
}

/**
 * overlap_minutes(from, to): minutes of [start, end ?? now) ∩ [from, to), fractional, never negative.
 */
export function overlapMinutes(interval: Interval, from: Date, to: Date, now: Date): number {
  const start = Math.max(interval.start.getTime(), from.getTime());
  const end = Math.min((interval.end ?? now).getTime(), to.getTime());
  return Math.max(0, end - start) / 60_000;
}

/** Minutes of [from, to) covered by any of the intervals, overlapping intervals counted once. */
export function unionOverlapMinutes(intervals: readonly Interval[], from: Date, to: Date, now: Date): number {
  const clipped = intervals
    .map((i) => ({
      start: Math.max(i.start.getTime(), from.getTime()),
      end: Math.min((i.end ?? now).getTime(), to.getTime()),
    }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let cursor = -Infinity;
  for (const { start, end } of clipped) {
    const effectiveStart = Math.max(start, cursor);
    if (end > effectiveStart) total += end - effectiveStart;
    cursor = Math.max(cursor, end);
  }
  return total / 60_000;
}

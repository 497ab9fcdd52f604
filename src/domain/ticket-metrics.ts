import type { MetricsSettings } from '../config/config.js';

export type FlagColor = 'GREEN' | 'YELLOW' | 'RED';

export interface TicketMetrics {
  srtTotalMinutes: number;
  flagMinutes: number;
  flagColor: FlagColor;
  xpAmount: number;
}

/** GREEN up to the green limit, YELLOW up to the yellow limit, else RED; 0 minutes is GREEN. */
export function flagColorFromMinutes(flagMinutes: number, settings: MetricsSettings): FlagColor {
  if (flagMinutes <= settings.greenMaxMinutes) return 'GREEN';
  if (flagMinutes <= settings.yellowMaxMinutes) return 'YELLOW';
  return 'RED';
}

/** Rounds minutes up to the flag increment (flat-rate tenths of an hour by default). */
export function roundUpToFlagIncrement(minutes: number, settings: MetricsSettings): number {
  if (minutes <= 0) return 0;
  return Math.ceil(minutes / settings.flagIncrementMinutes) * settings.flagIncrementMinutes;
}

/** XP = round(flag minutes × XP per flag minute) × colour multiplier, rounded to an integer. */
export function xpFor(flagMinutes: number, color: FlagColor, settings: MetricsSettings): number {
  const base = Math.round(flagMinutes * settings.xpPerFlagMinute);
  return Math.round(base * settings.xpMultiplier[color]);
}

/** apply_auto_metrics: metrics from the srt minutes of the ticket's active part specs. */
export function autoMetrics(activeSpecSrtMinutes: readonly number[], settings: MetricsSettings): TicketMetrics {
  const srtTotalMinutes = activeSpecSrtMinutes.reduce((sum, m) => sum + m, 0);
  const flagMinutes = roundUpToFlagIncrement(srtTotalMinutes, settings);
  const flagColor = flagColorFromMinutes(flagMinutes, settings);
  return { srtTotalMinutes, flagMinutes, flagColor, xpAmount: xpFor(flagMinutes, flagColor, settings) };
}

/** apply_manual_metrics: values as given, colour recomputed from the flag minutes. */
export function manualMetrics(
  input: { srtTotalMinutes: number; flagMinutes: number; xpAmount: number },
  settings: MetricsSettings,
): TicketMetrics {
  return { ...input, flagColor: flagColorFromMinutes(input.flagMinutes, settings) };
}

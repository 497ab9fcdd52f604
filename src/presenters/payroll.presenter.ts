import type { ResolvedPeriod } from '../domain/report-period.js';
import type { PayrollRow } from '../repositories/analytics.repository.js';
import { toCsv } from './csv.js';

/** One technician's payroll figures as api.md's "Analytics shapes" has them. */
export function presentPayrollRow(r: PayrollRow) {
  return {
    technicianId: r.technician_id,
    technicianName: r.technician_name,
    workedSeconds: r.worked_seconds,
    sessions: r.sessions,
    pausedSeconds: {
      BREAK: r.paused_break_seconds,
      STOCKOUT: r.paused_stockout_seconds,
      END_OF_SHIFT: r.paused_end_of_shift_seconds,
      OTHER: r.paused_other_seconds,
    },
    submittedToQc: r.submitted_to_qc,
    passed: r.passed,
    qcFails: r.qc_fails,
    flagMinutes: r.flag_minutes,
    xp: r.xp,
    efficiency: r.efficiency,
  };
}

/** The report: the period as resolved (ISO UTC), its time zone, the instant open sessions were counted up to. */
export function presentPayroll(period: ResolvedPeriod, at: Date, rows: PayrollRow[]) {
  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    tz: period.tz,
    at: at.toISOString(),
    rows: rows.map(presentPayrollRow),
  };
}
export type PayrollReport = ReturnType<typeof presentPayroll>;

/** The JSON row's columns, paused seconds flattened. */
export const PAYROLL_CSV_HEADER = [
  'technicianId',
  'technicianName',
  'workedSeconds',
  'sessions',
  'pausedBreakSeconds',
  'pausedStockoutSeconds',
  'pausedEndOfShiftSeconds',
  'pausedOtherSeconds',
  'submittedToQc',
  'passed',
  'qcFails',
  'flagMinutes',
  'xp',
  'efficiency',
] as const;

/** `Accept: text/csv`: the rows of the report as RFC 4180 CSV with a header record. */
export function payrollCsv(report: PayrollReport): string {
  return toCsv(
    PAYROLL_CSV_HEADER,
    report.rows.map((r) => [
      r.technicianId,
      r.technicianName,
      r.workedSeconds,
      r.sessions,
      r.pausedSeconds.BREAK,
      r.pausedSeconds.STOCKOUT,
      r.pausedSeconds.END_OF_SHIFT,
      r.pausedSeconds.OTHER,
      r.submittedToQc,
      r.passed,
      r.qcFails,
      r.flagMinutes,
      r.xp,
      r.efficiency,
    ]),
  );
}

/** A download name naming the period, e.g. payroll_2026-03-01T00-00-00Z_2026-04-01T00-00-00Z.csv. */
export const payrollCsvFilename = (report: PayrollReport): string =>
  `payroll_${report.from.replace(/\.\d+Z$/, 'Z').replaceAll(':', '-')}_${report.to.replace(/\.\d+Z$/, 'Z').replaceAll(':', '-')}.csv`;

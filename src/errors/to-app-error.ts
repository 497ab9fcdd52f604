import { ZodError } from 'zod';
import { AppError, conflict, type Invariant, validationFailed } from './app-error.js';

/** The one place that names invariants by the database constraint that guards them. */
const invariantByConstraint: Record<string, { invariant: Invariant; message: string }> = {
  tickets_one_active_per_item: {
    invariant: 'ONE_ACTIVE_TICKET_PER_ITEM',
    message: 'This inventory item already has an active ticket',
  },
  tickets_one_in_progress_per_technician: {
    invariant: 'ONE_IN_PROGRESS_TICKET_PER_TECHNICIAN',
    message: 'The technician already has a ticket in progress',
  },
  ticket_part_specs_one_active_per_part: {
    invariant: 'ONE_ACTIVE_SPEC_PER_PART',
    message: 'The ticket already has an active spec for this part',
  },
  work_sessions_one_open_per_ticket: {
    invariant: 'ONE_OPEN_SESSION_PER_TICKET',
    message: 'The ticket already has an open work session',
  },
  work_sessions_one_open_per_technician: {
    invariant: 'ONE_OPEN_SESSION_PER_TECHNICIAN',
    message: 'The technician already has an open work session',
  },
  stockout_incidents_one_open_per_part: {
    invariant: 'ONE_OPEN_STOCKOUT_PER_PART',
    message: 'This part already has an open stockout',
  },
  users_username_key: { invariant: 'UNIQUE_USERNAME', message: 'The username is taken' },
  inventory_items_serial_key: { invariant: 'UNIQUE_SERIAL', message: 'An inventory item with this serial exists' },
  inventory_item_parts_sku_key: { invariant: 'UNIQUE_SKU', message: 'A part with this SKU exists' },
};

interface PgError {
  code?: string;
  constraint?: string;
}

/** drizzle wraps driver errors; the node-postgres error (with code/constraint) is in `cause`. */
function pgErrorOf(err: unknown): PgError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const candidate = current as PgError & { cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/** SQLSTATEs worth retrying the whole transaction for. */
export function isRetryableDbError(err: unknown): boolean {
  const code = pgErrorOf(err)?.code;
  return code === '40001' || code === '40P01';
}

/** Maps any thrown value to an AppError; unknown errors become INTERNAL (callers log them). */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) {
    return validationFailed(
      'Request validation failed',
      err.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message })),
    );
  }
  const pgError = pgErrorOf(err);
  if (pgError?.code === '23505' && pgError.constraint) {
    const known = invariantByConstraint[pgError.constraint];
    if (known) return conflict(known.invariant, known.message);
  }
  // Class 22 (data exception): a value that passed the schema but not PostgreSQL, e.g. year 0.
  if (pgError?.code?.startsWith('22')) {
    return validationFailed('A value is out of range', [{ path: '', code: `sqlstate_${pgError.code}`, message: 'value out of range' }]);
  }
  return new AppError('INTERNAL', 'Internal server error');
}

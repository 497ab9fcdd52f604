/** The error codes of api.md, plus PAYLOAD_TOO_LARGE and RESYNC_REQUIRED (extensions), with their HTTP status. */
export const errorStatus = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  CONFLICT: 409,
  STALE_VERSION: 409,
  PAYLOAD_TOO_LARGE: 413,
  IDEMPOTENCY_MISMATCH: 422,
  RATE_LIMITED: 429,
  RESYNC_REQUIRED: 409,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** Invariant names reported in `details.invariant` of a CONFLICT. */
export type Invariant =
  | 'ONE_ACTIVE_TICKET_PER_ITEM'
  | 'ONE_IN_PROGRESS_TICKET_PER_TECHNICIAN'
  | 'ONE_ACTIVE_SPEC_PER_PART'
  | 'ONE_OPEN_SESSION_PER_TICKET'
  | 'ONE_OPEN_SESSION_PER_TECHNICIAN'
  | 'ONE_OPEN_STOCKOUT_PER_PART'
  | 'UNIQUE_USERNAME'
  | 'UNIQUE_SERIAL'
  | 'UNIQUE_SKU';

/** The one error type of the product; transports turn it into the contract's error body. */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  get status(): number {
    return errorStatus[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: Record<string, unknown> };
}

export const notFound = (what: string, id?: string): AppError =>
  new AppError('NOT_FOUND', `${what} not found`, id ? { id } : {});

export const forbidden = (message: string, details: Record<string, unknown> = {}): AppError =>
  new AppError('FORBIDDEN', message, details);

export const invalidTransition = (event: string, status: string, allowedEvents: string[]): AppError =>
  new AppError('INVALID_TRANSITION', `${event} is not allowed while ${status}`, { event, status, allowedEvents });

export const conflict = (invariant: Invariant, message: string): AppError =>
  new AppError('CONFLICT', message, { invariant });

export const validationFailed = (message: string, issues: unknown[] = []): AppError =>
  new AppError('VALIDATION_FAILED', message, { issues });

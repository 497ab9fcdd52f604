import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../errors/app-error.js';
import { toAppError } from '../../errors/to-app-error.js';

interface BodyParserError {
  type?: string;
  status?: number;
}

/** The one place HTTP turns errors into the contract's body; unknown errors are logged with the request id. */
export function errorHandler() {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const parserError = err as BodyParserError;
    let appError: AppError;
    if (parserError?.type === 'entity.too.large') {
      appError = new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large');
    } else if (parserError?.type === 'entity.parse.failed' || parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
      appError = new AppError('VALIDATION_FAILED', 'Request body is not valid JSON', { issues: [] });
    } else {
      appError = toAppError(err);
    }
    if (appError.code === 'INTERNAL') {
      req.log.error({ err }, 'unhandled error');
      appError = new AppError('INTERNAL', 'Internal server error', { requestId: String(req.id) });
    }
    if (res.headersSent) return;
    res.status(appError.status).json(appError.toBody());
  };
}

export function notFoundHandler() {
  return (req: Request): never => {
    throw new AppError('NOT_FOUND', `No route ${req.method} ${req.path}`);
  };
}

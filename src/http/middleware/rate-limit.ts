import type { NextFunction, Request, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { AppError } from '../../errors/app-error.js';

const handler = (_req: Request, _res: Response, next: NextFunction): void => {
  next(new AppError('RATE_LIMITED', 'Too many requests, slow down'));
};

/** Per authenticated user (or per IP before login), in memory per process. */
export function apiRateLimit(options: { windowMs: number; max: number }) {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.max,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req: Request) => (req.actor ? `user:${req.actor.id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`),
    handler,
  });
}

/** Login attempts per IP and username: slows password guessing without locking anyone out for long. */
export function loginRateLimit(options: { windowMs: number; max: number }) {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.max,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req: Request) => {
      const username = typeof req.body?.username === 'string' ? req.body.username.toLowerCase().slice(0, 64) : '';
      return `login:${ipKeyGenerator(req.ip ?? '')}:${username}`;
    },
    handler,
  });
}

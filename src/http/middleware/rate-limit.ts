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

/**
 * Counts failed authentications per client address in fixed windows. Only failing requests are
 * counted and refused, so a token-guessing neighbour behind the same NAT never locks out valid users.
 */
export class AuthFailureLimiter {
  private readonly counts = new Map<string, { windowStart: number; count: number }>();

  constructor(private readonly options: { windowMs: number; max: number }) {}

  /** Records one failure; true when the address is over its budget. */
  recordFailure(address: string, now = Date.now()): boolean {
    if (this.counts.size > 10_000) this.evictExpired(now);
    const entry = this.counts.get(address);
    if (!entry || now - entry.windowStart >= this.options.windowMs) {
      this.counts.set(address, { windowStart: now, count: 1 });
      return 1 > this.options.max;
    }
    entry.count += 1;
    return entry.count > this.options.max;
  }

  private evictExpired(now: number): void {
    for (const [key, entry] of this.counts) if (now - entry.windowStart >= this.options.windowMs) this.counts.delete(key);
  }
}

import type { NextFunction, Request, Response } from 'express';
import type { Actor, Role } from '../../auth/actor.js';
import type { TokenService } from '../../auth/tokens.js';
import type { Db } from '../../db/client.js';
import { AppError } from '../../errors/app-error.js';
import { findUserById } from '../../repositories/user.repository.js';
import type { AuthFailureLimiter } from './rate-limit.js';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

async function actorFromRequest(req: Request, tokens: TokenService, db: Db): Promise<Actor> {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'Missing bearer token');
  const claims = await tokens.verify(match[1]);
  const user = await findUserById(db, claims.id);
  if (!user || !user.active) throw new AppError('UNAUTHENTICATED', 'User is unknown or inactive');
  return { id: user.id, username: user.username, role: user.role as Role };
}

/**
 * Reads the bearer token, then the user row, so a deactivated user or a changed role takes effect
 * at once. Too many failures from one address turn into 429 for that address's failing requests.
 */
export function authenticate(tokens: TokenService, db: Db, failures: AuthFailureLimiter) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
      req.actor = await actorFromRequest(req, tokens, db);
    } catch (err) {
      if (err instanceof AppError && err.code === 'UNAUTHENTICATED' && failures.recordFailure(req.ip ?? '')) {
        throw new AppError('RATE_LIMITED', 'Too many failed authentications, slow down');
      }
      throw err;
    }
    next();
  };
}

/** The actor of an authenticated request. */
export function actorOf(req: Request): Actor {
  if (!req.actor) throw new AppError('UNAUTHENTICATED', 'Not authenticated');
  return req.actor;
}

import type { NextFunction, Request, Response } from 'express';
import type { Actor, Role } from '../../auth/actor.js';
import type { TokenService } from '../../auth/tokens.js';
import type { Db } from '../../db/client.js';
import { AppError } from '../../errors/app-error.js';
import { findUserById } from '../../repositories/user.repository.js';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

/** Reads the bearer token, then the user row, so a deactivated user or a changed role takes effect at once. */
export function authenticate(tokens: TokenService, db: Db) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'Missing bearer token');
    const claims = await tokens.verify(match[1]);
    const user = await findUserById(db, claims.id);
    if (!user || !user.active) throw new AppError('UNAUTHENTICATED', 'User is unknown or inactive');
    req.actor = { id: user.id, username: user.username, role: user.role as Role };
    next();
  };
}

/** The actor of an authenticated request. */
export function actorOf(req: Request): Actor {
  if (!req.actor) throw new AppError('UNAUTHENTICATED', 'Not authenticated');
  return req.actor;
}

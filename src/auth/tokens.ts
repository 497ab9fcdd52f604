import { errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../errors/app-error.js';
import { type Actor, Role } from './actor.js';

export interface TokenService {
  issue(actor: Actor): Promise<string>;
  verify(token: string): Promise<Actor & { expiresAt: Date }>;
}

const ISSUER = 'benchline';

/** HS256 JWTs carrying the user id, username and role. */
export function createTokenService(settings: { secret: string; ttlSeconds: number }): TokenService {
  const key = new TextEncoder().encode(settings.secret);
  return {
    issue: (actor) =>
      new SignJWT({ role: actor.role, username: actor.username })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(actor.id)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(`${settings.ttlSeconds}s`)
        .sign(key),
    verify: async (token) => {
      try {
        const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'] });
        const role = Role.safeParse(payload.role);
        if (!payload.sub || !role.success || typeof payload.username !== 'string' || !payload.exp) {
          throw new AppError('UNAUTHENTICATED', 'Invalid token');
        }
        return { id: payload.sub, username: payload.username, role: role.data, expiresAt: new Date(payload.exp * 1000) };
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (err instanceof errors.JWTExpired) throw new AppError('UNAUTHENTICATED', 'Token expired');
        throw new AppError('UNAUTHENTICATED', 'Invalid token');
      }
    },
  };
}

import { z } from 'zod';
import type { Db } from '../db/client.js';
import { AppError } from '../errors/app-error.js';
import { presentUser } from '../presenters/presenters.js';
import { findUserByUsername } from '../repositories/user.repository.js';
import type { Role } from './actor.js';
import { hashPassword, verifyPassword } from './password.js';
import type { TokenService } from './tokens.js';

export const LoginInput = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});

// Compared against when the user does not exist, so timing does not reveal valid usernames.
let decoyHash: Promise<string> | undefined;

/** Checks credentials and issues a token; every failure is the same 401. */
export async function login(
  deps: { db: Db; tokens: TokenService; passwordHashCost: number },
  input: z.output<typeof LoginInput>,
) {
  const user = await findUserByUsername(deps.db, input.username);
  decoyHash ??= hashPassword('decoy-password', deps.passwordHashCost);
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await decoyHash));
  if (!user || !ok || !user.active) throw new AppError('UNAUTHENTICATED', 'Invalid username or password');
  const token = await deps.tokens.issue({ id: user.id, username: user.username, role: user.role as Role });
  return { token, user: presentUser(user) };
}

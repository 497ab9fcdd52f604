import { z } from 'zod';
import { Role } from '../auth/actor.js';
import { hashPassword } from '../auth/password.js';
import { insertUser } from '../repositories/user.repository.js';
import { presentUser } from '../presenters/presenters.js';
import { ADMINS, defineCommand } from './command.js';

export const Username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{3,64}$/, '3–64 letters, digits, dot, underscore or dash');
export const Password = z.string().min(8, 'at least 8 characters').max(256);

export const CreateUserInput = z.strictObject({
  username: Username,
  displayName: z.string().trim().min(1).max(200),
  role: Role,
  password: Password,
});

/** Creates a user with a scrypt password hash; usernames are unique case-insensitively. */
export const createUser = defineCommand({
  name: 'user.create',
  summary: 'Create a user',
  input: CreateUserInput,
  roles: ADMINS,
  successStatus: 201,
  async run(ctx, input) {
    const passwordHash = await hashPassword(input.password, ctx.config.passwordHashCost);
    const user = await insertUser(ctx.tx, {
      username: input.username,
      displayName: input.displayName,
      role: input.role,
      passwordHash,
    });
    return presentUser(user);
  },
});

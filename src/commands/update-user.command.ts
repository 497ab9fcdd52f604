import { z } from 'zod';
import { Role } from '../auth/actor.js';
import { hashPassword } from '../auth/password.js';
import { AppError, notFound } from '../errors/app-error.js';
import { updateUser as updateUserRow } from '../repositories/user.repository.js';
import { presentUser } from '../presenters/presenters.js';
import { ADMINS, defineCommand } from './command.js';
import { Password } from './create-user.command.js';
import { Uuid } from './ticket-events.js';

export const UpdateUserInput = z.strictObject({
  userId: Uuid,
  displayName: z.string().trim().min(1).max(200).optional(),
  role: Role.optional(),
  active: z.boolean().optional(),
  password: Password.optional(),
});

/** Edits or deactivates a user; an admin cannot lock themselves out. */
export const updateUser = defineCommand({
  name: 'user.update',
  summary: 'Update a user',
  input: UpdateUserInput,
  roles: ADMINS,
  successStatus: 200,
  async run(ctx, input) {
    if (input.userId === ctx.actor.id && (input.active === false || (input.role && input.role !== 'ADMIN'))) {
      throw new AppError('FORBIDDEN', 'An admin may not deactivate or demote themselves');
    }
    const user = await updateUserRow(ctx.tx, input.userId, {
      displayName: input.displayName,
      role: input.role,
      active: input.active,
      passwordHash: input.password ? await hashPassword(input.password, ctx.config.passwordHashCost) : undefined,
    });
    if (!user) throw notFound('User', input.userId);
    return presentUser(user);
  },
});

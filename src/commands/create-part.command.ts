import { z } from 'zod';
import { insertPart } from '../repositories/inventory.repository.js';
import { presentPart } from '../presenters/presenters.js';
import { ADMINS, defineCommand } from './command.js';

export const CreatePartInput = z.strictObject({
  sku: z.string().trim().min(1).max(100),
  name: z.string().trim().min(1).max(200),
  defaultSrtMinutes: z.number().int().min(0).max(100_000),
});

/** Adds a part to the catalog with its standard repair time. */
export const createPart = defineCommand({
  name: 'part.create',
  summary: 'Create a part',
  input: CreatePartInput,
  roles: ADMINS,
  successStatus: 201,
  async run(ctx, input) {
    return presentPart(await insertPart(ctx.tx, input));
  },
});

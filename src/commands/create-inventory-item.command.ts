import { z } from 'zod';
import { insertInventoryItem } from '../repositories/inventory.repository.js';
import { presentInventoryItem } from '../presenters/presenters.js';
import { defineCommand, SUPERVISORS } from './command.js';

export const CreateInventoryItemInput = z.strictObject({
  serial: z.string().trim().min(1).max(200),
  model: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).optional(),
});

/** Registers a physical unit by its unique serial / asset tag. */
export const createInventoryItem = defineCommand({
  name: 'inventoryItem.create',
  summary: 'Create an inventory item',
  input: CreateInventoryItemInput,
  roles: SUPERVISORS,
  successStatus: 201,
  async run(ctx, input) {
    return presentInventoryItem(
      await insertInventoryItem(ctx.tx, { serial: input.serial, model: input.model, description: input.description ?? null }),
    );
  },
});

import { z } from 'zod';
import { StockoutStatus } from '../../machines/stockout.machine.js';
import { Role } from '../auth/actor.js';
import { EVERYONE, SUPERVISORS } from '../commands/command.js';
import { Uuid } from '../commands/ticket-events.js';
import { notFound } from '../errors/app-error.js';
import { presentInventoryItem, presentPart, presentStockout, presentUser } from '../presenters/presenters.js';
import { findInventoryItem, listParts } from '../repositories/inventory.repository.js';
import { listStockouts } from '../repositories/stockout.repository.js';
import { listUsers } from '../repositories/user.repository.js';
import { defineQuery } from './query.js';

export const listUsersQuery = defineQuery({
  name: 'user.list',
  summary: 'List users',
  input: z.object({ role: Role.optional() }),
  roles: SUPERVISORS,
  async run(deps, _actor, input) {
    return { items: (await listUsers(deps.db, input)).map(presentUser) };
  },
});

export const getInventoryItemQuery = defineQuery({
  name: 'inventoryItem.get',
  summary: 'Get an inventory item',
  input: z.object({ itemId: Uuid }),
  roles: EVERYONE,
  async run(deps, _actor, input) {
    const item = await findInventoryItem(deps.db, input.itemId);
    if (!item) throw notFound('Inventory item', input.itemId);
    return presentInventoryItem(item);
  },
});

export const listPartsQuery = defineQuery({
  name: 'part.list',
  summary: 'List parts',
  input: z.object({}),
  roles: EVERYONE,
  async run(deps) {
    return { items: (await listParts(deps.db)).map(presentPart) };
  },
});

/** Incidents with live open minutes, newest first. */
export const listStockoutsQuery = defineQuery({
  name: 'stockout.list',
  summary: 'List stockouts',
  input: z.object({ status: StockoutStatus.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
  roles: EVERYONE,
  async run(deps, _actor, input) {
    const now = deps.clock.now();
    return { items: (await listStockouts(deps.db, input)).map((s) => presentStockout(s, now)) };
  },
});

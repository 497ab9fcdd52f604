import { z } from 'zod';
import { notFound } from '../errors/app-error.js';
import { findInventoryItem } from '../repositories/inventory.repository.js';
import { insertTicket, insertTicketTransition } from '../repositories/ticket.repository.js';
import { presentTicket, presentTicketTransition } from '../presenters/presenters.js';
import { defineCommand, SUPERVISORS } from './command.js';
import { Uuid } from './ticket-events.js';

export const TicketPriority = z.enum(['LOW', 'NORMAL', 'HIGH', 'URGENT']);

export const CreateTicketInput = z.strictObject({
  inventoryItemId: Uuid,
  title: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).optional(),
  priority: TicketPriority.default('NORMAL'),
});

/** Opens a work order (UNDER_REVIEW) for an inventory item that has no active ticket. */
export const createTicket = defineCommand({
  name: 'ticket.create',
  summary: 'Create a ticket',
  input: CreateTicketInput,
  roles: SUPERVISORS,
  successStatus: 201,
  async run(ctx, input) {
    if (!(await findInventoryItem(ctx.tx, input.inventoryItemId))) {
      throw notFound('Inventory item', input.inventoryItemId);
    }
    const at = ctx.clock.now();
    const ticket = await insertTicket(ctx.tx, {
      inventoryItemId: input.inventoryItemId,
      title: input.title,
      description: input.description ?? null,
      priority: input.priority,
      createdBy: ctx.actor.id,
      createdAt: at,
      updatedAt: at,
      statusEnteredAt: at,
    });
    const transition = await insertTicketTransition(ctx.tx, {
      ticketId: ticket.id,
      fromStatus: 'UNDER_REVIEW',
      toStatus: 'UNDER_REVIEW',
      event: 'CREATE',
      actorId: ctx.actor.id,
      commandId: ctx.commandId,
      createdAt: at,
    });
    ctx.publish({
      type: 'ticket.updated',
      aggregateType: 'ticket',
      aggregateId: ticket.id,
      technicianIds: [],
      data: { ticket: presentTicket(ticket), transition: presentTicketTransition(transition) },
    });
    return presentTicket(ticket);
  },
});

import { z } from 'zod';
import { notFound } from '../errors/app-error.js';
import {
  deleteDeliveryTarget as deleteTargetRow,
  insertDeliveryTarget,
  type DeliveryTargetRow,
} from '../repositories/delivery-target.repository.js';
import { ADMINS, defineCommand } from './command.js';
import { Uuid } from './ticket-events.js';

/** A target as admins see it: the secret is write-only. */
export function presentDeliveryTarget(t: DeliveryTargetRow) {
  return {
    id: t.id,
    url: t.url,
    minLevel: t.minLevel,
    enabled: t.enabled,
    disabledReason: t.disabledReason,
    secretSet: t.secret.length > 0,
    createdAt: t.createdAt.toISOString(),
  };
}

export const CreateDeliveryTargetInput = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2000),
  secret: z.string().min(16, 'at least 16 characters').max(256),
  minLevel: z.number().int().min(1).max(10).default(1),
});

/** Registers a webhook receiver for SLA events of at least `minLevel`. */
export const createDeliveryTarget = defineCommand({
  name: 'deliveryTarget.create',
  summary: 'Create a delivery target',
  input: CreateDeliveryTargetInput,
  roles: ADMINS,
  successStatus: 201,
  async run(ctx, input) {
    return presentDeliveryTarget(await insertDeliveryTarget(ctx.tx, input));
  },
});

/** Removes a target; pending deliveries to it are cancelled by the deliverer. */
export const deleteDeliveryTarget = defineCommand({
  name: 'deliveryTarget.delete',
  summary: 'Delete a delivery target',
  input: z.strictObject({ targetId: Uuid }),
  roles: ADMINS,
  successStatus: 200,
  async run(ctx, input) {
    const row = await deleteTargetRow(ctx.tx, input.targetId, ctx.clock.now());
    if (!row) throw notFound('Delivery target', input.targetId);
    return presentDeliveryTarget(row);
  },
});

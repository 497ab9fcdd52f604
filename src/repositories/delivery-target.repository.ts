import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { deliveryTargets } from '../db/schema.js';

export type DeliveryTargetRow = typeof deliveryTargets.$inferSelect;

export async function insertDeliveryTarget(db: Executor, values: { url: string; secret: string; minLevel: number }): Promise<DeliveryTargetRow> {
  const [row] = await db.insert(deliveryTargets).values(values).returning();
  return row!;
}

export async function listDeliveryTargets(db: Executor): Promise<DeliveryTargetRow[]> {
  return db.select().from(deliveryTargets).where(isNull(deliveryTargets.deletedAt)).orderBy(asc(deliveryTargets.createdAt));
}

/** Soft delete: attempts keep pointing at the target row. */
export async function deleteDeliveryTarget(db: Executor, id: string, at: Date): Promise<DeliveryTargetRow | undefined> {
  const [row] = await db
    .update(deliveryTargets)
    .set({ deletedAt: at, enabled: false })
    .where(and(eq(deliveryTargets.id, id), isNull(deliveryTargets.deletedAt)))
    .returning();
  return row;
}

export async function disableDeliveryTarget(db: Executor, id: string, reason: string): Promise<void> {
  await db.update(deliveryTargets).set({ enabled: false, disabledReason: reason }).where(eq(deliveryTargets.id, id));
}

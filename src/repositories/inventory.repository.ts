import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { inventoryItemParts, inventoryItems } from '../db/schema.js';
import type { InventoryItemRow, PartRow } from '../presenters/presenters.js';

export async function insertInventoryItem(db: Executor, values: typeof inventoryItems.$inferInsert): Promise<InventoryItemRow> {
  const [row] = await db.insert(inventoryItems).values(values).returning();
  return row!;
}

export async function findInventoryItem(db: Executor, id: string): Promise<InventoryItemRow | undefined> {
  const [row] = await db.select().from(inventoryItems).where(eq(inventoryItems.id, id));
  return row;
}

export async function insertPart(db: Executor, values: typeof inventoryItemParts.$inferInsert): Promise<PartRow> {
  const [row] = await db.insert(inventoryItemParts).values(values).returning();
  return row!;
}

export async function findPart(db: Executor, id: string): Promise<PartRow | undefined> {
  const [row] = await db.select().from(inventoryItemParts).where(eq(inventoryItemParts.id, id));
  return row;
}

export async function listParts(db: Executor): Promise<PartRow[]> {
  return db.select().from(inventoryItemParts).orderBy(asc(inventoryItemParts.sku));
}

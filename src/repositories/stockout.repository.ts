import { desc, eq } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.js';
import { stockoutIncidents } from '../db/schema.js';
import type { StockoutRow } from '../presenters/presenters.js';

export async function insertStockout(tx: Tx, values: typeof stockoutIncidents.$inferInsert): Promise<StockoutRow> {
  const [row] = await tx.insert(stockoutIncidents).values(values).returning();
  return row!;
}

export async function lockStockout(tx: Tx, id: string): Promise<StockoutRow | undefined> {
  const [row] = await tx.select().from(stockoutIncidents).where(eq(stockoutIncidents.id, id)).for('update');
  return row;
}

export async function resolveStockoutRow(
  tx: Tx,
  id: string,
  values: { resolvedAt: Date; resolvedBy: string; resolutionNote: string | null },
): Promise<StockoutRow> {
  const [row] = await tx
    .update(stockoutIncidents)
    .set({ status: 'RESOLVED', ...values })
    .where(eq(stockoutIncidents.id, id))
    .returning();
  return row!;
}

export async function listStockouts(db: Executor, filter: { status?: string; limit: number }): Promise<StockoutRow[]> {
  return db
    .select()
    .from(stockoutIncidents)
    .where(filter.status ? eq(stockoutIncidents.status, filter.status) : undefined)
    .orderBy(desc(stockoutIncidents.startedAt), desc(stockoutIncidents.id))
    .limit(filter.limit);
}

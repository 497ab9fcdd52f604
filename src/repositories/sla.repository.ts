import { and, asc, desc, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { shopCalendar, slaAutomationEvents, slaDeliveryAttempts, slaRules } from '../db/schema.js';

export type SlaRuleRow = typeof slaRules.$inferSelect;
export type SlaEventRow = typeof slaAutomationEvents.$inferSelect;
export type SlaAttemptRow = typeof slaDeliveryAttempts.$inferSelect;
export type ShopCalendarRow = typeof shopCalendar.$inferSelect;

export async function listSlaRules(db: Executor): Promise<SlaRuleRow[]> {
  return db.select().from(slaRules).orderBy(asc(slaRules.key));
}

export async function updateSlaRule(
  db: Executor,
  key: string,
  patch: Partial<Pick<typeof slaRules.$inferInsert, 'enabled' | 'thresholdMinutes' | 'warnAtPercent' | 'cooldownMinutes' | 'escalateEveryMinutes' | 'maxLevel' | 'srtFactor'>>,
  at: Date,
): Promise<SlaRuleRow | undefined> {
  const [row] = await db.update(slaRules).set({ ...patch, updatedAt: at }).where(eq(slaRules.key, key)).returning();
  return row;
}

export async function findShopCalendar(db: Executor): Promise<ShopCalendarRow | undefined> {
  const [row] = await db.select().from(shopCalendar).where(eq(shopCalendar.id, 1));
  return row;
}

export async function upsertShopCalendar(
  db: Executor,
  values: { timezone: string; weeklyHours: ShopCalendarRow['weeklyHours']; holidays: string[]; updatedBy: string; updatedAt: Date },
): Promise<ShopCalendarRow> {
  const [row] = await db
    .insert(shopCalendar)
    .values({ id: 1, ...values })
    .onConflictDoUpdate({ target: shopCalendar.id, set: values })
    .returning();
  return row!;
}

export async function deleteShopCalendar(db: Executor): Promise<void> {
  await db.delete(shopCalendar).where(eq(shopCalendar.id, 1));
}

export interface SlaEventFilter {
  subjectId?: string;
  severity?: string;
  since?: Date;
  limit: number;
}

export async function listSlaEvents(db: Executor, filter: SlaEventFilter): Promise<SlaEventRow[]> {
  const where: SQL[] = [];
  if (filter.subjectId) where.push(eq(slaAutomationEvents.subjectId, filter.subjectId));
  if (filter.severity) where.push(eq(slaAutomationEvents.severity, filter.severity));
  if (filter.since) where.push(gte(slaAutomationEvents.createdAt, filter.since));
  return db
    .select()
    .from(slaAutomationEvents)
    .where(and(...where))
    .orderBy(desc(slaAutomationEvents.createdAt), desc(slaAutomationEvents.id))
    .limit(filter.limit);
}

export async function findSlaEvent(db: Executor, id: string): Promise<SlaEventRow | undefined> {
  const [row] = await db.select().from(slaAutomationEvents).where(eq(slaAutomationEvents.id, id));
  return row;
}

export async function listDeliveryAttempts(db: Executor, eventId: string): Promise<SlaAttemptRow[]> {
  return db
    .select()
    .from(slaDeliveryAttempts)
    .where(eq(slaDeliveryAttempts.eventId, eventId))
    .orderBy(asc(slaDeliveryAttempts.createdAt), asc(slaDeliveryAttempts.attemptNo));
}

/** Latest event of each (rule, subject) that is a BREACH and whose subject is still open: the floor's "open breaches". */
export async function listOpenBreaches(db: Executor, limit = 200): Promise<SlaEventRow[]> {
  const result = await db.execute<{ id: string }>(sql`
    SELECT DISTINCT ON (e.rule_key, e.subject_id) e.id
    FROM sla_automation_events e
    WHERE e.severity = 'BREACH'
      AND (
        (e.subject_type = 'TICKET' AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = e.subject_id AND t.status NOT IN ('DONE', 'CANCELLED')))
        OR (e.subject_type = 'WORK_SESSION' AND EXISTS (SELECT 1 FROM work_sessions s WHERE s.id = e.subject_id AND s.status = 'PAUSED'))
        OR (e.subject_type = 'STOCKOUT' AND EXISTS (SELECT 1 FROM stockout_incidents si WHERE si.id = e.subject_id AND si.status = 'OPEN'))
      )
    ORDER BY e.rule_key, e.subject_id, e.created_at DESC
    LIMIT ${limit}`);
  if (result.rows.length === 0) return [];
  const ids = result.rows.map((r) => r.id);
  return db
    .select()
    .from(slaAutomationEvents)
    .where(sql`${slaAutomationEvents.id} = ANY(${`{${ids.join(',')}}`}::uuid[])`)
    .orderBy(desc(slaAutomationEvents.createdAt));
}

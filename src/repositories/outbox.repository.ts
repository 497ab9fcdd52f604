import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';

export type OutboxEventType = 'ticket.updated' | 'session.updated' | 'stockout.updated' | 'sla.event';

export interface OutboxEvent {
  type: OutboxEventType;
  aggregateType: 'ticket' | 'work_session' | 'stockout' | 'sla_event';
  aggregateId: string;
  /** Technicians entitled to the push besides the floor. */
  technicianIds: (string | null | undefined)[];
  data: Record<string, unknown>;
}

/** Appends domain events; the insert trigger assigns `seq` in commit order and wakes tailers. */
export async function appendOutbox(tx: Tx, events: OutboxEvent[]): Promise<void> {
  for (const event of events) {
    const technicianIds = [...new Set(event.technicianIds.filter((id): id is string => Boolean(id)))];
    await tx.execute(sql`
      INSERT INTO outbox_events (type, aggregate_type, aggregate_id, technician_ids, data)
      VALUES (${event.type}, ${event.aggregateType}, ${event.aggregateId},
              ${`{${technicianIds.join(',')}}`}::uuid[], ${JSON.stringify(event.data)}::jsonb)`);
  }
}

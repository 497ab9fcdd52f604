-- Payroll attributes QC events to the ticket's technician at that moment, not to the supervisor who
-- acted; the log now records that technician on every entry (the new assignee for ASSIGN).
ALTER TABLE "ticket_transitions" ADD COLUMN "technician_id" uuid;--> statement-breakpoint
ALTER TABLE "ticket_transitions" ADD CONSTRAINT "ticket_transitions_technician_id_users_id_fk" FOREIGN KEY ("technician_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Backfill from the log itself: only ASSIGN changes a ticket's technician, and each ASSIGN records
-- the technician it replaced, so the technician set by an ASSIGN is the next ASSIGN's
-- previousTechnicianId, or the ticket's current technician after the last one. Entries before the
-- first ASSIGN keep NULL. The append-only guard is lifted for this one statement, inside the
-- migration's transaction, to fill the new column; no existing value changes.
ALTER TABLE "ticket_transitions" DISABLE TRIGGER "ticket_transitions_append_only";--> statement-breakpoint
WITH assigns AS (
  SELECT a.ticket_id, a.id,
         lead(a.id) OVER w AS next_assign_id,
         CASE WHEN lead(a.id) OVER w IS NULL THEN t.technician_id
              ELSE (lead(a.metadata ->> 'previousTechnicianId') OVER w)::uuid END AS technician_id
  FROM "ticket_transitions" a
  JOIN "tickets" t ON t.id = a.ticket_id
  WHERE a.event = 'ASSIGN'
  WINDOW w AS (PARTITION BY a.ticket_id ORDER BY a.id)
)
UPDATE "ticket_transitions" tt SET "technician_id" = s.technician_id
FROM assigns s
WHERE tt.ticket_id = s.ticket_id AND tt.id >= s.id AND (s.next_assign_id IS NULL OR tt.id < s.next_assign_id);--> statement-breakpoint
ALTER TABLE "ticket_transitions" ENABLE TRIGGER "ticket_transitions_append_only";--> statement-breakpoint
CREATE INDEX "ticket_transitions_qc_created_idx" ON "ticket_transitions" USING btree ("created_at") WHERE event IN ('SUBMIT_QC', 'QC_PASS', 'QC_FAIL');

CREATE TABLE "shop_calendar" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"timezone" text NOT NULL,
	"weekly_hours" jsonb NOT NULL,
	"holidays" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid,
	CONSTRAINT "shop_calendar_single_row_check" CHECK ("shop_calendar"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "sla_cooldowns" (
	"rule_key" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"severity" text NOT NULL,
	"level" integer NOT NULL,
	"first_event_id" uuid NOT NULL,
	"last_event_id" uuid NOT NULL,
	"last_created_at" timestamp with time zone NOT NULL,
	"until" timestamp with time zone NOT NULL,
	CONSTRAINT "sla_cooldowns_pkey" PRIMARY KEY("rule_key","subject_id","severity","level")
);
--> statement-breakpoint
CREATE TABLE "sla_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"target_id" uuid NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sla_deliveries_status_check" CHECK ("sla_deliveries"."status" IN ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'))
);
--> statement-breakpoint
ALTER TABLE "sla_rules" ADD COLUMN "srt_factor" numeric(6, 3);--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "status_entered_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "stockout_overlap_minutes" numeric(14, 3) DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "work_sessions" ADD COLUMN "stockout_overlap_seconds" numeric(18, 3) DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "shop_calendar" ADD CONSTRAINT "shop_calendar_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_deliveries" ADD CONSTRAINT "sla_deliveries_event_id_sla_automation_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."sla_automation_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_deliveries" ADD CONSTRAINT "sla_deliveries_target_id_delivery_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."delivery_targets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sla_deliveries_event_target_key" ON "sla_deliveries" USING btree ("event_id","target_id");--> statement-breakpoint
CREATE INDEX "sla_deliveries_due_idx" ON "sla_deliveries" USING btree ("next_attempt_at") WHERE status = 'PENDING';--> statement-breakpoint
-- Existing tickets: the status clock starts at the last transition into the current status.
UPDATE tickets t SET status_entered_at = coalesce(
  (SELECT max(tt.created_at) FROM ticket_transitions tt
   WHERE tt.ticket_id = t.id AND tt.to_status = t.status AND tt.from_status IS DISTINCT FROM tt.to_status),
  t.created_at);
--> statement-breakpoint
CREATE INDEX "tickets_active_status_entered_idx" ON "tickets" USING btree ("status", "status_entered_at")
  WHERE status NOT IN ('DONE', 'CANCELLED');
--> statement-breakpoint
-- The default rules of domain.md. channels: which channels each escalation level uses.
INSERT INTO sla_rules (key, subject, enabled, threshold_minutes, warn_at_percent, cooldown_minutes,
                       escalate_every_minutes, max_level, srt_factor, channels) VALUES
  ('TICKET_UNDER_REVIEW_TOO_LONG', 'TICKET', true, 60, 80, 60, 60, 3, NULL, '{"1":["SOCKET","WEBHOOK"],"2":["SOCKET","WEBHOOK"],"3":["SOCKET","WEBHOOK"]}'),
  ('TICKET_NOT_STARTED', 'TICKET', true, 30, 80, 60, 60, 3, NULL, '{"1":["SOCKET","WEBHOOK"],"2":["SOCKET","WEBHOOK"],"3":["SOCKET","WEBHOOK"]}'),
  ('TICKET_OVER_SRT', 'TICKET', true, 0, 80, 60, 60, 3, 1.5, '{"1":["SOCKET","WEBHOOK"],"2":["SOCKET","WEBHOOK"],"3":["SOCKET","WEBHOOK"]}'),
  ('TICKET_WAITING_QC_TOO_LONG', 'TICKET', true, 30, 80, 60, 60, 3, NULL, '{"1":["SOCKET","WEBHOOK"],"2":["SOCKET","WEBHOOK"],"3":["SOCKET","WEBHOOK"]}'),
  ('TICKET_TURNAROUND', 'TICKET', true, 1440, 80, 240, 240, 3, NULL, '{"1":["SOCKET","WEBHOOK"],"2":["SOCKET","WEBHOOK"],"3":["SOCKET","WEBHOOK"]}'),
  ('SESSION_PAUSED_TOO_LONG', 'WORK_SESSION', true, 20, 80, 30, 30, 3, NULL, '{"1":["SOCKET","WEBHOOK"],"2":["SOCKET","WEBHOOK"],"3":["SOCKET","WEBHOOK"]}'),
  ('STOCKOUT_OPEN_TOO_LONG', 'STOCKOUT', true, 240, 80, 120, 120, 3, NULL, '{"1":["SOCKET","WEBHOOK"],"2":["SOCKET","WEBHOOK"],"3":["SOCKET","WEBHOOK"]}')
ON CONFLICT (key) DO NOTHING;

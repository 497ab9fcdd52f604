CREATE TABLE "delivery_targets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"min_level" integer DEFAULT 1 NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"disabled_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "delivery_targets_min_level_check" CHECK ("delivery_targets"."min_level" >= 1)
);
--> statement-breakpoint
CREATE TABLE "idempotency_records" (
	"actor_id" uuid NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"state" text NOT NULL,
	"response_status" integer,
	"response_body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_records_pkey" PRIMARY KEY("actor_id","key"),
	CONSTRAINT "idempotency_records_state_check" CHECK ("idempotency_records"."state" IN ('PENDING', 'DONE'))
);
--> statement-breakpoint
CREATE TABLE "inventory_item_parts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"sku" text NOT NULL,
	"name" text NOT NULL,
	"default_srt_minutes" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inventory_item_parts_srt_check" CHECK ("inventory_item_parts"."default_srt_minutes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "inventory_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"serial" text NOT NULL,
	"model" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox_events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"aggregate_type" text NOT NULL,
	"aggregate_id" uuid NOT NULL,
	"technician_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sla_automation_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rule_key" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"severity" text NOT NULL,
	"level" integer DEFAULT 1 NOT NULL,
	"measured_minutes" numeric(14, 3) NOT NULL,
	"threshold_minutes" integer NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"evaluated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"repeat_of" uuid,
	CONSTRAINT "sla_automation_events_severity_check" CHECK ("sla_automation_events"."severity" IN ('WARNING', 'BREACH')),
	CONSTRAINT "sla_automation_events_subject_check" CHECK ("sla_automation_events"."subject_type" IN ('TICKET', 'WORK_SESSION', 'STOCKOUT'))
);
--> statement-breakpoint
CREATE TABLE "sla_delivery_attempts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"target" text NOT NULL,
	"target_id" uuid,
	"attempt_no" integer NOT NULL,
	"outcome" text NOT NULL,
	"http_status" integer,
	"response_excerpt" text,
	"error" text,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sla_delivery_attempts_outcome_check" CHECK ("sla_delivery_attempts"."outcome" IN ('SUCCESS', 'FAILED')),
	CONSTRAINT "sla_delivery_attempts_channel_check" CHECK ("sla_delivery_attempts"."channel" IN ('SOCKET', 'WEBHOOK'))
);
--> statement-breakpoint
CREATE TABLE "sla_rules" (
	"key" text PRIMARY KEY NOT NULL,
	"subject" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"threshold_minutes" integer NOT NULL,
	"warn_at_percent" integer DEFAULT 80 NOT NULL,
	"cooldown_minutes" integer DEFAULT 60 NOT NULL,
	"escalate_every_minutes" integer DEFAULT 60 NOT NULL,
	"max_level" integer DEFAULT 3 NOT NULL,
	"channels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sla_rules_subject_check" CHECK ("sla_rules"."subject" IN ('TICKET', 'WORK_SESSION', 'STOCKOUT')),
	CONSTRAINT "sla_rules_threshold_check" CHECK ("sla_rules"."threshold_minutes" >= 0),
	CONSTRAINT "sla_rules_warn_check" CHECK ("sla_rules"."warn_at_percent" BETWEEN 1 AND 100),
	CONSTRAINT "sla_rules_cooldown_check" CHECK ("sla_rules"."cooldown_minutes" >= 0),
	CONSTRAINT "sla_rules_escalate_check" CHECK ("sla_rules"."escalate_every_minutes" >= 1),
	CONSTRAINT "sla_rules_max_level_check" CHECK ("sla_rules"."max_level" BETWEEN 1 AND 10)
);
--> statement-breakpoint
CREATE TABLE "stockout_incidents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"inventory_item_part_id" uuid NOT NULL,
	"ticket_id" uuid,
	"status" text DEFAULT 'OPEN' NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"reported_by" uuid,
	"resolved_by" uuid,
	"note" text,
	"resolution_note" text,
	CONSTRAINT "stockout_incidents_status_check" CHECK ("stockout_incidents"."status" IN ('OPEN', 'RESOLVED')),
	CONSTRAINT "stockout_incidents_resolved_check" CHECK (("stockout_incidents"."status" = 'RESOLVED') = ("stockout_incidents"."resolved_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "ticket_part_specs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ticket_id" uuid NOT NULL,
	"inventory_item_part_id" uuid NOT NULL,
	"srt_minutes" integer NOT NULL,
	"note" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deactivated_at" timestamp with time zone,
	CONSTRAINT "ticket_part_specs_srt_check" CHECK ("ticket_part_specs"."srt_minutes" >= 0),
	CONSTRAINT "ticket_part_specs_active_check" CHECK ("ticket_part_specs"."is_active" = ("ticket_part_specs"."deactivated_at" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "ticket_transitions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ticket_transitions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"ticket_id" uuid NOT NULL,
	"from_status" text NOT NULL,
	"to_status" text NOT NULL,
	"event" text NOT NULL,
	"actor_id" uuid,
	"reason" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"command_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tickets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"inventory_item_id" uuid NOT NULL,
	"technician_id" uuid,
	"status" text DEFAULT 'UNDER_REVIEW' NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"priority" text DEFAULT 'NORMAL' NOT NULL,
	"srt_total_minutes" integer DEFAULT 0 NOT NULL,
	"flag_minutes" integer DEFAULT 0 NOT NULL,
	"flag_color" text DEFAULT 'GREEN' NOT NULL,
	"xp_amount" integer DEFAULT 0 NOT NULL,
	"metrics_source" text DEFAULT 'AUTO' NOT NULL,
	"rework_count" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"assigned_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"qc_submitted_at" timestamp with time zone,
	"done_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tickets_status_check" CHECK ("tickets"."status" IN ('UNDER_REVIEW', 'ASSIGNED', 'IN_PROGRESS', 'WAITING_QC', 'REWORK', 'DONE', 'CANCELLED')),
	CONSTRAINT "tickets_priority_check" CHECK ("tickets"."priority" IN ('LOW', 'NORMAL', 'HIGH', 'URGENT')),
	CONSTRAINT "tickets_flag_color_check" CHECK ("tickets"."flag_color" IN ('GREEN', 'YELLOW', 'RED')),
	CONSTRAINT "tickets_metrics_source_check" CHECK ("tickets"."metrics_source" IN ('AUTO', 'MANUAL')),
	CONSTRAINT "tickets_metrics_non_negative_check" CHECK ("tickets"."srt_total_minutes" >= 0 AND "tickets"."flag_minutes" >= 0 AND "tickets"."xp_amount" >= 0 AND "tickets"."rework_count" >= 0),
	CONSTRAINT "tickets_assignee_check" CHECK ("tickets"."status" IN ('UNDER_REVIEW', 'CANCELLED') OR "tickets"."technician_id" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"username" text NOT NULL,
	"display_name" text NOT NULL,
	"role" text NOT NULL,
	"password_hash" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_role_check" CHECK ("users"."role" IN ('ADMIN', 'SUPERVISOR', 'TECHNICIAN', 'WALLBOARD'))
);
--> statement-breakpoint
CREATE TABLE "work_session_transitions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "work_session_transitions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"session_id" uuid NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"event" text NOT NULL,
	"reason" text,
	"actor_id" uuid,
	"at" timestamp with time zone NOT NULL,
	"command_id" text
);
--> statement-breakpoint
CREATE TABLE "work_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ticket_id" uuid NOT NULL,
	"technician_id" uuid NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"active_seconds" numeric(18, 6) DEFAULT 0 NOT NULL,
	"running_since" timestamp with time zone,
	"pause_reason" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "work_sessions_status_check" CHECK ("work_sessions"."status" IN ('RUNNING', 'PAUSED', 'STOPPED')),
	CONSTRAINT "work_sessions_running_since_check" CHECK (("work_sessions"."status" = 'RUNNING') = ("work_sessions"."running_since" IS NOT NULL)),
	CONSTRAINT "work_sessions_ended_check" CHECK (("work_sessions"."status" = 'STOPPED') = ("work_sessions"."ended_at" IS NOT NULL)),
	CONSTRAINT "work_sessions_pause_reason_check" CHECK (("work_sessions"."status" = 'PAUSED') = ("work_sessions"."pause_reason" IS NOT NULL) AND ("work_sessions"."pause_reason" IS NULL OR "work_sessions"."pause_reason" IN ('BREAK', 'STOCKOUT', 'END_OF_SHIFT', 'OTHER'))),
	CONSTRAINT "work_sessions_active_seconds_check" CHECK ("work_sessions"."active_seconds" >= 0)
);
--> statement-breakpoint
ALTER TABLE "sla_automation_events" ADD CONSTRAINT "sla_automation_events_rule_key_sla_rules_key_fk" FOREIGN KEY ("rule_key") REFERENCES "public"."sla_rules"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_delivery_attempts" ADD CONSTRAINT "sla_delivery_attempts_event_id_sla_automation_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."sla_automation_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_delivery_attempts" ADD CONSTRAINT "sla_delivery_attempts_target_id_delivery_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."delivery_targets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stockout_incidents" ADD CONSTRAINT "stockout_incidents_inventory_item_part_id_inventory_item_parts_id_fk" FOREIGN KEY ("inventory_item_part_id") REFERENCES "public"."inventory_item_parts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stockout_incidents" ADD CONSTRAINT "stockout_incidents_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stockout_incidents" ADD CONSTRAINT "stockout_incidents_reported_by_users_id_fk" FOREIGN KEY ("reported_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stockout_incidents" ADD CONSTRAINT "stockout_incidents_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_part_specs" ADD CONSTRAINT "ticket_part_specs_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_part_specs" ADD CONSTRAINT "ticket_part_specs_inventory_item_part_id_inventory_item_parts_id_fk" FOREIGN KEY ("inventory_item_part_id") REFERENCES "public"."inventory_item_parts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_part_specs" ADD CONSTRAINT "ticket_part_specs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_transitions" ADD CONSTRAINT "ticket_transitions_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_transitions" ADD CONSTRAINT "ticket_transitions_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_inventory_item_id_inventory_items_id_fk" FOREIGN KEY ("inventory_item_id") REFERENCES "public"."inventory_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_technician_id_users_id_fk" FOREIGN KEY ("technician_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_session_transitions" ADD CONSTRAINT "work_session_transitions_session_id_work_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."work_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_session_transitions" ADD CONSTRAINT "work_session_transitions_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_sessions" ADD CONSTRAINT "work_sessions_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_sessions" ADD CONSTRAINT "work_sessions_technician_id_users_id_fk" FOREIGN KEY ("technician_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idempotency_records_expires_idx" ON "idempotency_records" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "inventory_item_parts_sku_key" ON "inventory_item_parts" USING btree ("sku");--> statement-breakpoint
CREATE UNIQUE INDEX "inventory_items_serial_key" ON "inventory_items" USING btree ("serial");--> statement-breakpoint
CREATE INDEX "outbox_events_created_idx" ON "outbox_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "sla_automation_events_subject_idx" ON "sla_automation_events" USING btree ("rule_key","subject_id","severity","level","created_at");--> statement-breakpoint
CREATE INDEX "sla_automation_events_created_idx" ON "sla_automation_events" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "sla_delivery_attempts_event_idx" ON "sla_delivery_attempts" USING btree ("event_id","attempt_no");--> statement-breakpoint
CREATE UNIQUE INDEX "stockout_incidents_one_open_per_part" ON "stockout_incidents" USING btree ("inventory_item_part_id") WHERE status = 'OPEN';--> statement-breakpoint
CREATE INDEX "stockout_incidents_part_idx" ON "stockout_incidents" USING btree ("inventory_item_part_id","started_at");--> statement-breakpoint
CREATE INDEX "stockout_incidents_started_idx" ON "stockout_incidents" USING btree ("started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_part_specs_one_active_per_part" ON "ticket_part_specs" USING btree ("ticket_id","inventory_item_part_id") WHERE is_active;--> statement-breakpoint
CREATE INDEX "ticket_part_specs_ticket_idx" ON "ticket_part_specs" USING btree ("ticket_id");--> statement-breakpoint
CREATE INDEX "ticket_part_specs_active_part_idx" ON "ticket_part_specs" USING btree ("inventory_item_part_id") WHERE is_active;--> statement-breakpoint
CREATE INDEX "ticket_transitions_ticket_idx" ON "ticket_transitions" USING btree ("ticket_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "tickets_one_active_per_item" ON "tickets" USING btree ("inventory_item_id") WHERE status NOT IN ('DONE', 'CANCELLED');--> statement-breakpoint
CREATE UNIQUE INDEX "tickets_one_in_progress_per_technician" ON "tickets" USING btree ("technician_id") WHERE status = 'IN_PROGRESS';--> statement-breakpoint
CREATE INDEX "tickets_created_at_id_idx" ON "tickets" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tickets_status_idx" ON "tickets" USING btree ("status","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tickets_technician_idx" ON "tickets" USING btree ("technician_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_key" ON "users" USING btree (lower("username"));--> statement-breakpoint
CREATE INDEX "work_session_transitions_session_idx" ON "work_session_transitions" USING btree ("session_id","at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "work_sessions_one_open_per_ticket" ON "work_sessions" USING btree ("ticket_id") WHERE status IN ('RUNNING', 'PAUSED');--> statement-breakpoint
CREATE UNIQUE INDEX "work_sessions_one_open_per_technician" ON "work_sessions" USING btree ("technician_id") WHERE status IN ('RUNNING', 'PAUSED');--> statement-breakpoint
CREATE INDEX "work_sessions_ticket_idx" ON "work_sessions" USING btree ("ticket_id","started_at");--> statement-breakpoint
CREATE INDEX "work_sessions_technician_idx" ON "work_sessions" USING btree ("technician_id","started_at");
-- Append-only logs: the database itself refuses UPDATE, DELETE and TRUNCATE.
CREATE FUNCTION benchline_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ticket_transitions_append_only BEFORE UPDATE OR DELETE ON ticket_transitions
  FOR EACH ROW EXECUTE FUNCTION benchline_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ticket_transitions_no_truncate BEFORE TRUNCATE ON ticket_transitions
  FOR EACH STATEMENT EXECUTE FUNCTION benchline_refuse_change();
--> statement-breakpoint
CREATE TRIGGER work_session_transitions_append_only BEFORE UPDATE OR DELETE ON work_session_transitions
  FOR EACH ROW EXECUTE FUNCTION benchline_refuse_change();
--> statement-breakpoint
CREATE TRIGGER work_session_transitions_no_truncate BEFORE TRUNCATE ON work_session_transitions
  FOR EACH STATEMENT EXECUTE FUNCTION benchline_refuse_change();
--> statement-breakpoint
CREATE TRIGGER sla_automation_events_append_only BEFORE UPDATE OR DELETE ON sla_automation_events
  FOR EACH ROW EXECUTE FUNCTION benchline_refuse_change();
--> statement-breakpoint
CREATE TRIGGER sla_automation_events_no_truncate BEFORE TRUNCATE ON sla_automation_events
  FOR EACH STATEMENT EXECUTE FUNCTION benchline_refuse_change();
--> statement-breakpoint
CREATE TRIGGER sla_delivery_attempts_append_only BEFORE UPDATE OR DELETE ON sla_delivery_attempts
  FOR EACH ROW EXECUTE FUNCTION benchline_refuse_change();
--> statement-breakpoint
CREATE TRIGGER sla_delivery_attempts_no_truncate BEFORE TRUNCATE ON sla_delivery_attempts
  FOR EACH STATEMENT EXECUTE FUNCTION benchline_refuse_change();
--> statement-breakpoint
-- Outbox ordering: seq is taken under a transaction-scoped advisory lock held until commit,
-- so rows become visible in seq order and a reader tailing "seq > last" never skips one.
CREATE SEQUENCE outbox_events_seq AS bigint;
--> statement-breakpoint
CREATE FUNCTION benchline_outbox_assign_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7366101, 1);
  NEW.seq := nextval('outbox_events_seq');
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER outbox_events_assign_seq BEFORE INSERT ON outbox_events
  FOR EACH ROW EXECUTE FUNCTION benchline_outbox_assign_seq();
--> statement-breakpoint
-- Wake realtime tailers at commit; they still catch up by seq, so a lost notification loses nothing.
CREATE FUNCTION benchline_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('benchline_outbox', '');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
  FOR EACH STATEMENT EXECUTE FUNCTION benchline_outbox_notify();

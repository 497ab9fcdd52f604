-- The outbox ordering lock moves from INSERT time to COMMIT time. Taken at INSERT, it was held across
-- every later round trip of the command to the application, serialising all commands. Now rows get a
-- surrogate id at insert, and their public `seq` from a deferred constraint trigger that runs while
-- the transaction commits: the lock is held only for the commit, and seq order is still commit order.
DROP TRIGGER outbox_events_assign_seq ON outbox_events;
--> statement-breakpoint
ALTER TABLE "outbox_events" DROP CONSTRAINT "outbox_events_pkey";
--> statement-breakpoint
ALTER TABLE "outbox_events" ALTER COLUMN "seq" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "outbox_events" ADD COLUMN "id" bigint PRIMARY KEY NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "outbox_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);
--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_events_seq_key" ON "outbox_events" USING btree ("seq");
--> statement-breakpoint
CREATE OR REPLACE FUNCTION benchline_outbox_assign_seq_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Deferred triggers fire in insertion order, so rows of one transaction keep their order.
  PERFORM pg_advisory_xact_lock(7366101, 1);
  UPDATE outbox_events SET seq = nextval('outbox_events_seq') WHERE id = NEW.id;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER outbox_events_assign_seq_at_commit AFTER INSERT ON outbox_events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION benchline_outbox_assign_seq_at_commit();
--> statement-breakpoint
DROP FUNCTION benchline_outbox_assign_seq();

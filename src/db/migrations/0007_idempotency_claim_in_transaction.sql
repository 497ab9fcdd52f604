-- Idempotency claims are now rows inserted by the command's own transaction (invisible until it
-- commits), so a claim no longer needs a token against takeovers. PENDING rows committed by an
-- older version are taken over by the next request with their key.
ALTER TABLE "idempotency_records" DROP COLUMN "claim_token";

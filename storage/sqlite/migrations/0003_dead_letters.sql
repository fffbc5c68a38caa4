-- 0003_dead_letters: alerts given up after their last attempt.

-- dead_at: when the alert was dead-lettered; NULL while it is live. A dead
-- alert is never claimed until "redline deliveries retry" revives it.
ALTER TABLE alerts ADD COLUMN dead_at INTEGER;

DROP INDEX alerts_pending;
CREATE INDEX alerts_pending ON alerts (next_attempt_at, created_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX alerts_dead ON alerts (dead_at) WHERE dead_at IS NOT NULL;

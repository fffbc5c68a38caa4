-- 0004_fixity: the capture hash chain, request headers and retention.

-- request_sha256: blob of the request headers sent (compact JSON); NULL when unknown.
ALTER TABLE captures ADD COLUMN request_sha256 TEXT REFERENCES blobs (sha256);
-- prev_hash / record_hash: redline.CaptureHash chain per target. NULL only
-- for captures recorded before this migration, until Open chains them.
ALTER TABLE captures ADD COLUMN prev_hash TEXT;
ALTER TABLE captures ADD COLUMN record_hash TEXT;
-- pruned_at: when retention dropped the capture's bodies; NULL when whole.
ALTER TABLE captures ADD COLUMN pruned_at INTEGER;
-- chain_head: record_hash of the target's latest capture, so that deleting
-- the last capture is detected too.
ALTER TABLE targets ADD COLUMN chain_head TEXT NOT NULL DEFAULT '';

CREATE INDEX captures_request ON captures (request_sha256) WHERE request_sha256 IS NOT NULL;
CREATE INDEX captures_time ON captures (fetched_at);
CREATE INDEX changes_time ON changes (detected_at);

-- pruned_at: when retention emptied the blob (data x'', encoding identity)
-- because only pruned captures referred to it; NULL while it holds its
-- bytes. The row stays so that pruned captures keep their references.
ALTER TABLE blobs ADD COLUMN pruned_at INTEGER;

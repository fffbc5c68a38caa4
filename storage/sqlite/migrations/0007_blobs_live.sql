-- 0007_blobs_live: which blobs are stored with their bytes, from an index.
-- pruned_at was added after data, so reading it from a blob's row walks
-- the row's overflow pages (a compressed page body spans several). Every
-- check asks which of its blobs are stored; this partial index answers
-- from the index alone. Pruned blobs (kept as empty rows) are not in it.
CREATE UNIQUE INDEX blobs_live ON blobs (sha256) WHERE pruned_at IS NULL;

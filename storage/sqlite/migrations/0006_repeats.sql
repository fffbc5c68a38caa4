-- 0006_repeats: repeat rows, so that an unchanged re-check stores little
-- more than its time, outcome and record hash.

-- same_as: NULL for a full row. For a repeat row, the id of the full
-- capture (its base, always a full row of the same target) whose response
-- it repeats: same url, final_url, status, content_type, body and text.
-- A repeat row keeps its own target_id, fetched_at, duration_us, outcome,
-- error, attempts, record_hash and pruned_at; its header holds only a JSON
-- merge patch (RFC 7396) against the base's: the keys whose values differ,
-- and null for those it lacks. Its request_sha256 is NULL when it sent the
-- base's request headers, else its own (a conditional header came or
-- went). Its other columns are '' / 0 / NULL, and its prev_hash is NULL: it
-- is the record_hash of the target's previous capture. Read captures
-- through capture_rows.
-- Rows are never deleted, so same_as has no index for foreign key checks.
ALTER TABLE captures ADD COLUMN same_as INTEGER REFERENCES captures (id);

-- Blob garbage collection now collects the kept sums in one pass (repeat
-- rows use blobs through their base); nothing else looks captures up by
-- body, text or request headers.
DROP INDEX captures_body;
DROP INDEX captures_text;
DROP INDEX captures_request;

-- capture_rows: every capture as a full row, repeat rows completed from
-- their base. Filter and order on id, target_id, fetched_at and outcome,
-- which come from the capture itself, so that the indexes of captures
-- serve the query.
CREATE VIEW capture_rows AS
SELECT
    c.id,
    c.target_id,
    c.fetched_at,
    c.duration_us,
    CASE WHEN c.same_as IS NULL THEN c.url ELSE b.url END AS url,
    CASE WHEN c.same_as IS NULL THEN c.final_url ELSE b.final_url END AS final_url,
    CASE WHEN c.same_as IS NULL THEN c.status ELSE b.status END AS status,
    CASE WHEN c.same_as IS NULL THEN c.header ELSE json_patch(b.header, c.header) END AS header,
    CASE WHEN c.same_as IS NULL THEN c.content_type ELSE b.content_type END AS content_type,
    c.outcome,
    c.error,
    CASE WHEN c.same_as IS NULL THEN c.body_sha256 ELSE b.body_sha256 END AS body_sha256,
    CASE WHEN c.same_as IS NULL THEN c.body_size ELSE b.body_size END AS body_size,
    CASE WHEN c.same_as IS NULL THEN c.text_sha256 ELSE b.text_sha256 END AS text_sha256,
    c.attempts,
    CASE WHEN c.same_as IS NULL THEN c.request_sha256 ELSE COALESCE(c.request_sha256, b.request_sha256) END AS request_sha256,
    COALESCE(c.prev_hash, (SELECT p.record_hash FROM captures p
        WHERE p.target_id = c.target_id AND p.id < c.id ORDER BY p.id DESC LIMIT 1)) AS prev_hash,
    c.record_hash,
    c.pruned_at,
    c.same_as
FROM captures c
LEFT JOIN captures b ON b.id = c.same_as;

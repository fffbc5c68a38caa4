-- 0005_discovery: targets found by discovery rules.

-- discovered_by: name of the rule (a target of kind 'discover') that found
-- the target; '' for configured targets. Such targets are not in the
-- configuration: SyncTargets leaves them be while their rule is.
ALTER TABLE targets ADD COLUMN discovered_by TEXT NOT NULL DEFAULT '';
ALTER TABLE targets ADD COLUMN discovered_at INTEGER;
-- title: the link text or item title the target was found under.
ALTER TABLE targets ADD COLUMN title TEXT NOT NULL DEFAULT '';
-- pinned: kept even when its rule leaves the configuration.
ALTER TABLE targets ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1));
-- dropped: removed by the operator; inactive and never discovered again.
ALTER TABLE targets ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0 CHECK (dropped IN (0, 1));
-- unlisted_at: since when the target's link is missing from its rule's
-- pages; NULL while listed.
ALTER TABLE targets ADD COLUMN unlisted_at INTEGER;

CREATE INDEX targets_url ON targets (url);
CREATE INDEX targets_discovered ON targets (discovered_by) WHERE discovered_by <> '';

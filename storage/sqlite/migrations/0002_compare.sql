-- 0002_compare: how a target is compared, what it learned, and what a
-- change amounted to.

-- options: JSON object with the comparison settings of the definition
-- (ignore, keywords, json_path, no_default_ignore); '{}' when none.
ALTER TABLE targets ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
-- volatility: learned volatility state (JSON owned by package noise); NULL when none.
ALTER TABLE targets ADD COLUMN volatility TEXT;

ALTER TABLE changes ADD COLUMN significance TEXT NOT NULL DEFAULT '';
-- reverted_to: the earlier capture whose text the change returned to.
ALTER TABLE changes ADD COLUMN reverted_to INTEGER REFERENCES captures (id);
ALTER TABLE changes ADD COLUMN volatile_only INTEGER NOT NULL DEFAULT 0 CHECK (volatile_only IN (0, 1));

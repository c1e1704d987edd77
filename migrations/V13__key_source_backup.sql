-- Whether a key source's recovery phrase is known to be written down: 0 for a phrase made here
-- until the user passes the word check. Existing ones were confirmed with the old checkbox.
ALTER TABLE key_sources ADD COLUMN backed_up INTEGER NOT NULL DEFAULT 1;

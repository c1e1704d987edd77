-- A contact for any chain has chain_id NULL, and SQLite's UNIQUE treats NULLs as distinct: a
-- rename inserted a second row for the same address. Keep the newest name per address and
-- make the rule hold from now on.
DELETE FROM contacts
WHERE chain_id IS NULL
  AND id NOT IN (SELECT max(id) FROM contacts WHERE chain_id IS NULL GROUP BY address);
CREATE UNIQUE INDEX contacts_any_chain ON contacts (address) WHERE chain_id IS NULL;

-- Cairn ledger, version 8: addresses the user never wants to pay (imported from a sanctions list
-- or added by hand); a send to one is a critical risk warning.
CREATE TABLE denylist (
    address   TEXT PRIMARY KEY,        -- EIP-55
    source    TEXT NOT NULL,           -- the file or "manual"
    added_at  INTEGER NOT NULL
);

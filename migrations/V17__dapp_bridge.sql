-- Cairn ledger, version 17: the dapp bridge. Local programs call it with a bearer token the
-- user made; only the token's SHA-256 is kept (shown once, never stored). A grant is what one
-- caller (a site's origin, or a token) may see and ask: its accounts and its chosen chain.
CREATE TABLE bridge_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);

CREATE TABLE bridge_grants (
    caller TEXT PRIMARY KEY,
    accounts TEXT NOT NULL,
    chain_id INTEGER NOT NULL,
    granted_at INTEGER NOT NULL,
    last_used_at INTEGER
);

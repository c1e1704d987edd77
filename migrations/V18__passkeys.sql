-- Cairn ledger, version 18: passkeys. A credential an authenticator holds (a platform one, a
-- security key): its id, the relying party it was made for and its P-256 public key — nothing
-- secret (the private key never leaves the authenticator). Which accounts it owns is on chain.
CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY,
    credential_id TEXT NOT NULL UNIQUE,
    rp_id TEXT NOT NULL,
    x TEXT NOT NULL,
    y TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);

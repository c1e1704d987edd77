-- Cairn ledger, version 7: the second factor. The TOTP secret is sealed like the key material
-- (AES-256-GCM under the vault's sealing key); recovery codes are kept as SHA-256 hashes only.
-- The spending policy lives in `settings` (policy.per_send_wei, policy.per_day_wei).
CREATE TABLE mfa (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    sealed_secret  BLOB    NOT NULL,
    enabled        INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),  -- 1 once confirmed
    last_step      INTEGER,                                              -- replay protection
    created_at     INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    hash     BLOB PRIMARY KEY,
    used_at  INTEGER
);

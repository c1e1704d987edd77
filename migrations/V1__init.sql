-- Cairn ledger, version 1: where key material (sealed) and accounts live.
-- Later migrations add networks, assets, balances, entries, operations, contacts, settings and
-- the audit log. Amounts, when they arrive, are integer base units stored as decimal TEXT.

CREATE TABLE key_sources (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('mnemonic', 'private_key')),
    label       TEXT    NOT NULL,
    -- AES-256-GCM under the vault's sealing key, bound to 'key_source:<id>'.
    sealed      BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    key_source_id   INTEGER NOT NULL REFERENCES key_sources (id),
    derivation_index INTEGER,
    address         TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    position        INTEGER NOT NULL,
    hidden          INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    created_at      INTEGER NOT NULL
);

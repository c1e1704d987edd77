-- Cairn ledger, version 2: everything the wallet knows and has promised.
-- Amounts are integer base units as decimal TEXT (a U256 does not fit an INTEGER).
-- Times are unix seconds.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE networks (
    chain_id           INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL,
    currency_symbol    TEXT    NOT NULL,
    currency_decimals  INTEGER NOT NULL CHECK (currency_decimals BETWEEN 0 AND 77),
    rpc_urls           TEXT    NOT NULL,            -- JSON array, in failover order
    bundler_url        TEXT,
    paymaster_url      TEXT,
    explorer_api_url   TEXT,
    confirmations      INTEGER NOT NULL DEFAULT 1 CHECK (confirmations >= 1)
);

CREATE TABLE assets (
    id        INTEGER PRIMARY KEY,
    chain_id  INTEGER NOT NULL REFERENCES networks (chain_id),
    kind      TEXT    NOT NULL CHECK (kind IN ('native', 'erc20')),
    contract  TEXT,                                   -- NULL for the native currency
    symbol    TEXT    NOT NULL,
    decimals  INTEGER NOT NULL CHECK (decimals BETWEEN 0 AND 77),
    UNIQUE (chain_id, contract)
);

CREATE TABLE balances (
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    asset_id      INTEGER NOT NULL REFERENCES assets (id),
    confirmed     TEXT    NOT NULL,
    block_number  INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, asset_id)
);

-- The user's intents and their lifecycle (see ARCHITECTURE.md, Operations and sync).
CREATE TABLE operations (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts (id),
    chain_id        INTEGER NOT NULL,
    kind            TEXT    NOT NULL,                 -- transfer, erc20_transfer, user_operation, ...
    state           TEXT    NOT NULL CHECK (state IN ('draft', 'authorized', 'signed', 'queued',
                        'submitted', 'included', 'confirmed', 'failed', 'replaced', 'dropped',
                        'needs_resign')),
    to_address      TEXT,
    asset_id        INTEGER REFERENCES assets (id),
    amount          TEXT,
    nonce           INTEGER,
    hash            TEXT    UNIQUE,                   -- tx hash or userOpHash, stored before broadcast
    signed_payload  BLOB,
    error           TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE operation_transitions (
    id            INTEGER PRIMARY KEY,
    operation_id  INTEGER NOT NULL REFERENCES operations (id),
    from_state    TEXT,
    to_state      TEXT    NOT NULL,
    at            INTEGER NOT NULL,
    detail        TEXT
);

-- Every value movement, in and out, with fees; merged from own operations and chain history.
CREATE TABLE entries (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    chain_id      INTEGER NOT NULL,
    asset_id      INTEGER NOT NULL REFERENCES assets (id),
    direction     TEXT    NOT NULL CHECK (direction IN ('in', 'out', 'fee')),
    amount        TEXT    NOT NULL,
    counterparty  TEXT,
    tx_hash       TEXT,
    block_number  INTEGER,
    operation_id  INTEGER REFERENCES operations (id),
    created_at    INTEGER NOT NULL,
    UNIQUE (chain_id, tx_hash, asset_id, direction, account_id)
);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    address     TEXT    NOT NULL,
    chain_id    INTEGER,                              -- NULL: any chain
    note        TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (address, chain_id)
);

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    event      TEXT    NOT NULL,
    outcome    TEXT    NOT NULL,
    device_id  TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    prev_hash  BLOB    NOT NULL,
    hash       BLOB    NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE INDEX operations_by_account ON operations (account_id, state);
CREATE INDEX entries_by_account ON entries (account_id, chain_id, block_number);

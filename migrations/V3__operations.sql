-- Cairn ledger, version 3: what sending, syncing and replacing transactions need.

-- The transaction as signed, besides the transfer it carries (`to_address`, `amount`, `asset_id`).
ALTER TABLE operations ADD COLUMN tx_to TEXT;              -- the call's target: recipient or token
ALTER TABLE operations ADD COLUMN tx_value TEXT;           -- wei sent with the call
ALTER TABLE operations ADD COLUMN tx_data BLOB;            -- calldata
ALTER TABLE operations ADD COLUMN gas_limit TEXT;
ALTER TABLE operations ADD COLUMN max_fee_per_gas TEXT;
ALTER TABLE operations ADD COLUMN max_priority_fee_per_gas TEXT;
ALTER TABLE operations ADD COLUMN block_number INTEGER;    -- where it was included
ALTER TABLE operations ADD COLUMN block_hash TEXT;
ALTER TABLE operations ADD COLUMN fee_paid TEXT;           -- gasUsed × effectiveGasPrice, in wei
ALTER TABLE operations ADD COLUMN replaces INTEGER REFERENCES operations (id);
ALTER TABLE operations ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE operations ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;

-- The chain's nonce per account as last seen, so an offline send picks the right one.
CREATE TABLE chain_nonces (
    chain_id    INTEGER NOT NULL,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    nonce       INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (chain_id, account_id)
);

-- The last fee market seen per chain, so an offline send can be signed with sensible fees.
CREATE TABLE fee_quotes (
    chain_id    INTEGER PRIMARY KEY,
    base_fee    TEXT    NOT NULL,
    tip_slow    TEXT    NOT NULL,
    tip_normal  TEXT    NOT NULL,
    tip_fast    TEXT    NOT NULL,
    block_number INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE INDEX operations_by_state ON operations (chain_id, state, nonce);

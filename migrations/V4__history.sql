-- Cairn ledger, version 4: how far chain history has been read, per account.
CREATE TABLE history_cursors (
    chain_id    INTEGER NOT NULL,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    block       INTEGER NOT NULL,               -- every block up to this one is in `entries`
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (chain_id, account_id)
);
CREATE INDEX entries_by_hash ON entries (chain_id, tx_hash);

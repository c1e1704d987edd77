-- Cairn ledger, version 9: the newest confirmed operations by block, so the re-check of recent
-- confirmations (after the wallet moves to another endpoint) reads a few rows, not the ledger.
CREATE INDEX operations_by_block ON operations (chain_id, state, block_number);

-- Cairn ledger, version 9.
-- The newest confirmed operations by block, so the re-check of recent confirmations (after the
-- wallet moves to another endpoint) reads a few rows, not the ledger.
CREATE INDEX operations_by_block ON operations (chain_id, state, block_number);
-- The most per gas (in gwei) the wallet offers from a node's fee data on a network the user
-- added; NULL: the default.
ALTER TABLE networks ADD COLUMN fee_ceiling_gwei INTEGER;

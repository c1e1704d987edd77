-- Cairn ledger, version 10: the activity list and the history writer read a few rows, not the
-- ledger. The activity page walks a chain's operations newest first; a history entry looks its
-- operation up by the bundle transaction that carried it (by hash, the unique index serves).
CREATE INDEX operations_by_chain_id ON operations (chain_id, id);
CREATE INDEX operations_by_bundle ON operations (chain_id, bundle_tx);

-- Cairn ledger, version 11: every page of history and activity, whatever its filter and however
-- far back, is read from an index range in order (keyset cursors), never by sorting the ledger.
-- History across accounts, and by counterparty or asset; per account `entries_by_account` serves.
CREATE INDEX entries_by_chain ON entries (chain_id, block_number);
CREATE INDEX entries_by_counterparty ON entries (chain_id, counterparty, block_number);
CREATE INDEX entries_by_asset ON entries (chain_id, asset_id, block_number);
-- Activity per account, by state, by recipient and by asset; all accounts: `operations_by_chain_id`.
CREATE INDEX operations_by_account_id ON operations (chain_id, account_id, id);
CREATE INDEX operations_by_state_id ON operations (chain_id, state, id);
CREATE INDEX operations_by_recipient ON operations (chain_id, to_address, id);
CREATE INDEX operations_by_asset ON operations (chain_id, asset_id, id);

-- Cairn ledger, version 5: networks the user added (their RPC URLs may carry API keys, so they
-- live in the encrypted ledger), told apart from the presets recorded for their assets.
ALTER TABLE networks ADD COLUMN user_added INTEGER NOT NULL DEFAULT 0;

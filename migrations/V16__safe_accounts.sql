-- Cairn ledger, version 16: a smart account runs SimpleAccount or Safe (with its ERC-4337
-- module). Both can run under EntryPoint v0.7, so an owner may hold one of each there.
ALTER TABLE accounts ADD COLUMN smart_kind TEXT CHECK (smart_kind IN ('simple', 'safe'));
UPDATE accounts SET smart_kind = 'simple' WHERE kind = 'smart';
DROP INDEX smart_account_per_owner;
CREATE UNIQUE INDEX smart_account_per_owner
    ON accounts (owner_account_id, entry_point_version, smart_kind) WHERE kind = 'smart';

-- Cairn ledger, version 16: a smart account runs SimpleAccount or Safe (with its ERC-4337
-- module). Both can run under EntryPoint v0.7, and a key may own its own Safe and a Safe it
-- recovered, so accounts are no longer one per owner and version: an account is its address
-- (unique already), and the owner is whose key signs for it now.
ALTER TABLE accounts ADD COLUMN smart_kind TEXT CHECK (smart_kind IN ('simple', 'safe'));
UPDATE accounts SET smart_kind = 'simple' WHERE kind = 'smart';
DROP INDEX smart_account_per_owner;
CREATE INDEX smart_accounts_by_owner ON accounts (owner_account_id) WHERE kind = 'smart';

-- Cairn ledger, version 20: a Safe whose owner is a passkey, not a key of this wallet. Its
-- passkey is configured in the Safe's setup through `SafeWebAuthnSharedSigner` (so its address
-- is the same on every network with the contracts); `owner_account_id` stays NULL. The row
-- keeps the `key_source_id` of the wallet's first key source only because the column is NOT
-- NULL (rebuilding `accounts` under its many references is not worth the risk): no key of that
-- source signs for it, and `signer_for` refuses it.
ALTER TABLE accounts ADD COLUMN passkey_id INTEGER REFERENCES passkeys (id);
CREATE INDEX accounts_by_passkey ON accounts (passkey_id) WHERE passkey_id IS NOT NULL;

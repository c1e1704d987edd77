-- Cairn ledger, version 6: ERC-4337 smart accounts and the user operations they send.

-- A smart account is an account of its own (balances, history and operations attach to it as to
-- any other) owned by an HD or imported account, whose key signs its user operations.
ALTER TABLE accounts ADD COLUMN kind TEXT NOT NULL DEFAULT 'eoa' CHECK (kind IN ('eoa', 'smart'));
ALTER TABLE accounts ADD COLUMN owner_account_id INTEGER REFERENCES accounts (id);
ALTER TABLE accounts ADD COLUMN entry_point_version TEXT;      -- 'v0.7' / 'v0.8' for smart ones
CREATE UNIQUE INDEX smart_account_per_owner
    ON accounts (owner_account_id, entry_point_version) WHERE kind = 'smart';

-- Chains where a smart account is known to be deployed (its first operation deploys it).
CREATE TABLE smart_deployments (
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    chain_id    INTEGER NOT NULL,
    seen_at     INTEGER NOT NULL,
    PRIMARY KEY (account_id, chain_id)
);

-- A user operation rides on the operations lifecycle; `hash` holds its userOpHash (stored
-- before it goes to the bundler) and `nonce` stays NULL (2-D nonces do not fit an INTEGER).
ALTER TABLE operations ADD COLUMN user_op TEXT;        -- the signed operation, bundler JSON
ALTER TABLE operations ADD COLUMN entry_point TEXT;
ALTER TABLE operations ADD COLUMN paymaster TEXT;      -- who pays the gas; NULL: the account
ALTER TABLE operations ADD COLUMN bundle_tx TEXT;      -- the transaction that carried it

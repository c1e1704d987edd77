-- Cairn ledger, version 19: where each passkey's Safe signer is on each network. A passkey
-- owns a Safe through a signer proxy (`SafeWebAuthnSignerFactory`), whose address the factory
-- answers; it is kept here so a passkey can sign with no node (the offline queue) — a fact
-- about the chain's deployment, not a secret. Whether the signer owns an account is read on
-- chain each time.
CREATE TABLE passkey_signers (
    passkey_id INTEGER NOT NULL REFERENCES passkeys(id) ON DELETE CASCADE,
    chain_id INTEGER NOT NULL,
    signer TEXT NOT NULL,
    PRIMARY KEY (passkey_id, chain_id)
);
CREATE INDEX passkey_signers_by_signer ON passkey_signers (chain_id, signer);

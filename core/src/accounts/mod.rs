//! Accounts: the wallet's own accounts — key sources (phrases and imported keys, sealed in the
//! ledger), HD derivation of further accounts, names, order and visibility, the signer for an
//! account (a smart account signs with its owner's key), exports, and the receive view.
//!
//! May use: `session`, `store`, `keys`, `chain` (network facts), `primitives`.

pub mod receive;

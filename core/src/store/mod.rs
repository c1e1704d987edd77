//! Store: the encrypted ledger — the SQLCipher database and its refinery migrations, typed rows
//! (accounts, key sources, operations and their transitions, assets, balances, nonces, fee
//! quotes, settings), and the append-only, hash-chained audit log inside it. Every write is one
//! SQLite transaction.
//!
//! May use: `keys` (the ledger key), `chain` (the network type it stores), `primitives`. Holds
//! no business rule and makes no call to a node.

pub mod audit;
pub mod bridge;
pub mod ledger;
pub mod operations;
pub mod passkeys;

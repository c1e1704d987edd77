//! Guard: what stands between a request and a signature — simulation of every outgoing call,
//! risk rules and score, contacts and the denylist; two-factor (TOTP, recovery codes) and the
//! spending policy; review of messages and typed data before they are signed.
//!
//! May use: `ops`, `accounts`, `session`, `store`, `keys`, `chain`, `primitives`.

pub mod exports;
pub mod messages;
pub mod mfa;
pub mod risk;

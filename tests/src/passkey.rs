//! The core's software authenticator (1Password's passkey-rs behind `test-support`), with
//! a credential of its own for tests that sign directly: a failure to make or use it is the
//! test's failure.

// A test fixture: a failure to make or use the credential is the test's failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloy::primitives::B256;
pub use cairn_core::passkeys::soft::{LyingAuthenticator, SoftAuthenticator};
pub use cairn_core::passkeys::{Assertion, RP_ID};

/// One software credential for `cairn.app` (`navigator.credentials.create`, user verified).
#[derive(Debug)]
pub struct SoftPasskey(cairn_core::passkeys::soft::SoftPasskey);

impl std::ops::Deref for SoftPasskey {
    type Target = cairn_core::passkeys::soft::SoftPasskey;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl SoftPasskey {
    pub async fn new() -> SoftPasskey {
        SoftPasskey(
            cairn_core::passkeys::soft::SoftPasskey::new()
                .await
                .expect("a software credential"),
        )
    }

    /// An assertion over `challenge` (`navigator.credentials.get`), the user verified.
    pub async fn assert(&mut self, challenge: B256) -> Assertion {
        self.0.assert(challenge).await.expect("an assertion")
    }
}

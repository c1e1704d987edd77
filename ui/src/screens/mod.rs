//! One module per screen. The start screens (`onboarding`, `unlock`, with the `profiles`
//! picker under them) come before a wallet is open; `dashboard` is everything after.

pub(crate) mod dashboard;
pub(crate) mod onboarding;
pub(crate) mod profiles;
pub(crate) mod unlock;

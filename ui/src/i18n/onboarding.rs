//! Text of onboarding.

use super::{formats, texts};

texts! {}

formats! {}

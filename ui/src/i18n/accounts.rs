//! Text of accounts.

use super::{formats, texts};

texts! {}

formats! {}

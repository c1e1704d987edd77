//! Text of security.

use super::{formats, texts};

texts! {}

formats! {}

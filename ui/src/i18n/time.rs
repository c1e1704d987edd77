//! Text of time.

use super::{formats, texts};

texts! {}

formats! {}

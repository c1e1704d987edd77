//! Text of components.

use super::{formats, texts};

texts! {}

formats! {}

//! Text of send.

use super::{formats, texts};

texts! {}

formats! {}

//! Text of activity.

use super::{formats, texts};

texts! {}

formats! {}

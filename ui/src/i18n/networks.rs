//! Text of networks.

use super::{formats, texts};

texts! {}

formats! {}

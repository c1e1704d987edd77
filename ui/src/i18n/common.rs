//! Words many screens share: buttons and states that mean the same everywhere.

use super::texts;

texts! {
    loading => "Loading…", "Wird geladen …";
}

//! Text of the settings place: appearance, security, two-factor, policy, contacts, networks,
//! prices, profiles.

use super::{formats, texts};

texts! {
    appearance => "Appearance", "Darstellung";
    theme => "Theme", "Farbschema";
    as_system => "As the system", "Wie das System";
    light => "Light", "Hell";
    dark => "Dark", "Dunkel";
    language => "Language", "Sprache";
}

formats! {}

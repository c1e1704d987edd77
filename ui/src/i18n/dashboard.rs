//! The frame around every place: navigation, the lock button, the lock notices.

use super::texts;

texts! {
    sections => "Sections", "Bereiche";
    home => "Home", "Start";
    send => "Send", "Senden";
    receive => "Receive", "Empfangen";
    activity => "Activity", "Aktivität";
    settings => "Settings", "Einstellungen";
    back_to_settings => "← Settings", "← Einstellungen";
    lock => "Lock", "Sperren";
    locked_idle => "Locked after a while without use.", "Nach einer Weile ohne Benutzung gesperrt.";
}

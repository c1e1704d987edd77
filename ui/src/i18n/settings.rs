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

    // Audit log.
    audit_log => "Audit log", "Prüfprotokoll";
    audit_log_note => "Every unlock, export, setting change and send this wallet recorded, in a chain the wallet checks.",
        "Diese Wallet zeichnet jedes Entsperren, jeden Export, jede geänderte Einstellung und jede Zahlung auf – in einer Kette, die sie selbst prüft.";
    open_audit_log => "Open the audit log", "Prüfprotokoll öffnen";

    // Auto-lock.
    auto_lock => "Auto-lock", "Automatisch sperren";
    lock_after => "Lock after this long without use", "Sperren nach dieser Zeit ohne Benutzung";
    keychain_and_password => "Protected by this device's keychain and your password.",
        "Geschützt durch den Schlüsselbund dieses Geräts und Ihr Passwort.";
    password_only => "Protected by your password (no OS keychain on this device).",
        "Geschützt durch Ihr Passwort (kein Schlüsselbund des Systems auf diesem Gerät).";

    // Network traffic.
    network_traffic => "Network traffic", "Netzwerkverkehr";
    /// After the checkbox; the space keeps it apart from the box.
    quiet_mode => " Quiet mode", " Ruhemodus";
    quiet_note => "Nothing is read in the background, also while the window is hidden. Payments you send still go out and are followed; \"Sync now\" reads balances and activity when you want them.",
        "Im Hintergrund wird nichts gelesen, auch nicht bei ausgeblendetem Fenster. Zahlungen, die Sie senden, gehen trotzdem hinaus und werden verfolgt; „Jetzt synchronisieren“ liest Guthaben und Aktivität, wann Sie es wünschen.";
    quiet_on => "Quiet mode is on: nothing is read in the background. Use \"Sync now\" to refresh.",
        "Der Ruhemodus ist an: Im Hintergrund wird nichts gelesen. Aktualisieren Sie mit „Jetzt synchronisieren“.";
    quiet_off => "Quiet mode is off: balances and activity follow the chain.",
        "Der Ruhemodus ist aus: Guthaben und Aktivität folgen der Chain.";

    // Recovery phrase.
    recovery_phrase => "Recovery phrase", "Wiederherstellungsphrase";
    hide => "Hide", "Ausblenden";
    enter_password_again => "Enter your password again to see the words.",
        "Geben Sie Ihr Passwort erneut ein, um die Wörter zu sehen.";
    password => "Password", "Passwort";
    authenticator_code => "Code from your authenticator app", "Code aus Ihrer Authenticator-App";
    show_phrase => "Show recovery phrase", "Wiederherstellungsphrase anzeigen";

    // Change password.
    change_password => "Change password", "Passwort ändern";
    current_password => "Current password", "Aktuelles Passwort";
    new_password => "New password", "Neues Passwort";
    repeat_new_password => "Repeat new password", "Neues Passwort wiederholen";
    passwords_differ => "The two new passwords differ.", "Die beiden neuen Passwörter stimmen nicht überein.";
    password_changed => "Password changed.", "Passwort geändert.";

    // Contacts.
    contacts => "Contacts", "Kontakte";
    rename => "Rename", "Umbenennen";
    delete => "Delete", "Löschen";
    name => "Name", "Name";
    /// The placeholder of the name field.
    name_placeholder => "name", "Name";
    address => "Address", "Adresse";
    save_name => "Save name", "Name speichern";
    add_contact => "Add contact", "Kontakt hinzufügen";
}

formats! {
    // Auto-lock.
    /// After a new auto-lock time was saved.
    locks_after(minutes) => "Cairn now locks after {minutes} minutes without use.",
        "Cairn sperrt sich jetzt nach {minutes} Min. ohne Benutzung.";
    /// One choice of the auto-lock time.
    minutes(minutes) => "{minutes} min", "{minutes} Min.";

    // Contacts.
    rename_contact(name) => "Rename {name}", "{name} umbenennen";
    delete_contact(name) => "Delete {name}", "{name} löschen";
}

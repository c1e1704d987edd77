//! Text of the start screens: the first start (create or import, then the backup of the new
//! phrase), the lock screen and the profile picker.

use super::{formats, texts};

texts! {
    // Create or import: the form
    new_wallet_tab => "New wallet", "Neue Wallet";
    import_tab => "Import", "Importieren";
    create_title => "Create your wallet", "Ihre Wallet erstellen";
    import_title => "Import a wallet", "Eine Wallet importieren";
    recover_summary => "Recovering a Safe whose key you lost?", "Einen Safe wiederherstellen, dessen Schlüssel verloren ist?";
    recover_hint => "Create a new wallet here: its key becomes the Safe's new owner. Name the Safe, and after the backup Cairn opens Settings → Guardians and recovery with the request ready to make and send to its guardians.",
        "Legen Sie hier eine neue Wallet an: Ihr Schlüssel wird der neue Eigentümer des Safes. Nennen Sie den Safe, und nach der Sicherung öffnet Cairn Einstellungen → Guardians und Wiederherstellung, bereit, die Anfrage zu erstellen und an seine Guardians zu senden.";
    recover_safe_label => "The Safe's address", "Adresse des Safes";
    password_intro => "The password unlocks Cairn on this device. It cannot be recovered: your recovery phrase can.",
        "Das Passwort entsperrt Cairn auf diesem Gerät. Es lässt sich nicht wiederherstellen – Ihre Wiederherstellungsphrase schon.";
    secret_label => "Recovery phrase or private key", "Wiederherstellungsphrase oder privater Schlüssel";
    hide => "Hide", "Verbergen";
    show => "Show", "Anzeigen";
    shown_warning => "Shown: hide it again before you leave this screen unattended.",
        "Sichtbar: Verbergen Sie die Eingabe wieder, bevor Sie diesen Bildschirm unbeaufsichtigt lassen.";
    passphrase_label => "BIP-39 passphrase (optional)", "BIP-39-Passphrase (optional)";
    /// The password field, also on the lock screen.
    password => "Password", "Passwort";
    repeat_password => "Repeat password", "Passwort wiederholen";
    recovery_phrase => "Recovery phrase", "Wiederherstellungsphrase";
    /// After a radio button, hence the leading space.
    twelve_words => " 12 words", " 12\u{a0}Wörter";
    /// After a radio button, hence the leading space.
    twenty_four_words => " 24 words", " 24\u{a0}Wörter";
    create_button => "Create wallet", "Wallet erstellen";
    creating => "Creating…", "Wird erstellt …";
    import_button => "Import wallet", "Wallet importieren";
    importing => "Importing…", "Wird importiert …";
    passwords_differ => "The two passwords differ.", "Die beiden Passwörter stimmen nicht überein.";

    // The new phrase and its check
    check_title => "Check your backup", "Ihre Sicherung prüfen";
    show_words_again => "Show the words again", "Wörter erneut anzeigen";
    write_down_title => "Write down your recovery phrase", "Schreiben Sie Ihre Wiederherstellungsphrase auf";
    write_down_intro => "These words are the only way to restore this wallet. Write them on paper, in order, and keep them offline. Cairn will not show them again without your password.",
        "Nur mit diesen Wörtern lässt sich diese Wallet wiederherstellen. Schreiben Sie sie der Reihe nach auf Papier und bewahren Sie sie offline auf. Ohne Ihr Passwort zeigt Cairn sie nicht noch einmal an.";
    written_down => "I have written them down", "Ich habe sie aufgeschrieben";
    back_up_later => "Back up later", "Später sichern";
    later_note => "Later: Cairn reminds you on every start until the words are checked.",
        "Später: Cairn erinnert Sie bei jedem Start daran, bis die Wörter geprüft sind.";

    // The lock screen
    /// The lock screen's heading and its button.
    unlock => "Unlock", "Entsperren";
    unlocking => "Unlocking…", "Wird entsperrt …";

    // The profile picker
    profile => "Profile", "Profil";
    new_profile_placeholder => "new profile, e.g. work", "neues Profil, z.\u{a0}B. Arbeit";
    open_profile => "Open", "Öffnen";
    profiles_note => "Each profile is a separate wallet with its own password.",
        "Jedes Profil ist eine eigene Wallet mit eigenem Passwort.";
}

formats! {
    // The lock screen
    retry_wait(secs) => "Too many wrong passwords: you can try again in {secs} s.",
        "Zu viele falsche Passwörter: Sie können es in {secs}\u{a0}s erneut versuchen.";
    /// The unlock button while the next try waits.
    wait_secs(secs) => "Wait {secs} s", "Noch {secs}\u{a0}s warten";
}

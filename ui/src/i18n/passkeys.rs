//! Text of Settings → Passkeys: the device's passkeys and the Safes they sign for.

use super::{formats, texts};

texts! {
    title => "Passkeys", "Passkeys";
    note => "A passkey lives in this device's authenticator (Touch ID, Windows Hello, Android, a security key) and never leaves it. Added to a Safe as an owner, it can sign that account's payments instead of the key.",
        "Ein Passkey lebt im Authentifikator dieses Geräts (Touch ID, Windows Hello, Android, ein Sicherheitsschlüssel) und verlässt ihn nie. Als Eigentümer zu einem Safe hinzugefügt, kann er dessen Zahlungen statt des Schlüssels signieren.";
    unavailable => "This device has no passkey authenticator Cairn can use, so passkeys cannot be made or used here.",
        "Dieses Gerät hat keinen Passkey-Authentifikator, den Cairn nutzen kann: Passkeys können hier weder erstellt noch genutzt werden.";
    none => "No passkey yet.", "Noch kein Passkey.";
    label => "Name of the passkey", "Name des Passkeys";
    label_placeholder => "e.g. Laptop", "z. B. Laptop";
    make => "Make a passkey", "Passkey erstellen";
    check => "Check", "Prüfen";
    forget => "Forget", "Vergessen";
    checked => "It signed as its key says.", "Er hat so signiert, wie sein Schlüssel sagt.";
    never_used => "never used", "nie benutzt";
    safe => "Safe", "Safe";
    passkey => "Passkey", "Passkey";
    add_to_safe => "Add to this Safe", "Zu diesem Safe hinzufügen";
    take_off_safe => "Take off this Safe", "Von diesem Safe entfernen";
    owns_none => "Owns none of your Safes on this network.", "Besitzt keinen Ihrer Safes in diesem Netzwerk.";
    sponsored => "Let the network's paymaster pay the gas", "Den Paymaster des Netzwerks das Gas zahlen lassen";
    queued => "Sent: the owners change when the operation is confirmed.", "Gesendet: Die Eigentümer ändern sich, wenn die Operation bestätigt ist.";
}

formats! {
    owns(accounts) => "Owns: {accounts}", "Besitzt: {accounts}";
    last_used(when) => "last used {when}", "zuletzt benutzt {when}";
}

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
    new_safe => "New Safe of its own", "Neuer eigener Safe";
    safe_warning_title => "A Safe only this passkey signs for", "Ein Safe, für den nur dieser Passkey signiert";
    safe_warning => "No key of this wallet, and no recovery phrase, can sign for this Safe: only the passkey. If the passkey is synced (iCloud Keychain, Google Password Manager, a password manager), anyone who takes over that account can take the money; if the passkey is lost, so is the Safe, unless another owner or guardians were added first. A security key that does not sync avoids the first risk, not the second.",
        "Kein Schlüssel dieser Wallet und keine Wiederherstellungsphrase kann für diesen Safe signieren: nur der Passkey. Wird der Passkey synchronisiert (iCloud-Schlüsselbund, Google Passwortmanager, ein Passwortmanager), kann jeder, der dieses Konto übernimmt, das Geld nehmen; geht der Passkey verloren, ist auch der Safe verloren, es sei denn, vorher wurden ein weiterer Eigentümer oder Guardians hinzugefügt. Ein Sicherheitsschlüssel, der nicht synchronisiert, vermeidet das erste Risiko, nicht das zweite.";
    safe_warning_ok => "I understand: only this passkey will sign for the Safe", "Ich verstehe: Nur dieser Passkey wird für den Safe signieren";
    safe_make => "Make the Safe", "Safe erstellen";
    cancel => "Cancel", "Abbrechen";
}

formats! {
    owns(accounts) => "Owns: {accounts}", "Besitzt: {accounts}";
    last_used(when) => "last used {when}", "zuletzt benutzt {when}";
    safe_made(name) => "Made {name}: its first payment deploys it.", "{name} erstellt: Seine erste Zahlung stellt ihn bereit.";
}

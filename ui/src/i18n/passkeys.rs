//! Text of Settings → Passkeys: the device's passkeys and the Safes they sign for.

use super::{formats, texts};

texts! {
    title => "Passkeys", "Passkeys";
    note => "A passkey lives in this device's authenticator (Windows Hello, Android, a USB security key) and never leaves it. Added to a Safe as an owner, it can sign that account's payments instead of the key.",
        "Ein Passkey lebt im Authentifikator dieses Geräts (Windows Hello, Android, ein USB-Sicherheitsschlüssel) und verlässt ihn nie. Als Eigentümer zu einem Safe hinzugefügt, kann er dessen Zahlungen statt des Schlüssels signieren.";
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
    authenticator_title => "Your authenticator", "Ihr Authentifikator";
    confirm_on_device => "Confirm on your authenticator: touch your security key, or follow the system's prompt (Windows Hello, the phone's screen lock).",
        "Bestätigen Sie am Authentifikator: Berühren Sie Ihren Sicherheitsschlüssel oder folgen Sie der Aufforderung des Systems (Windows Hello, die Displaysperre des Telefons).";
    touch_key => "Touch your security key now.", "Berühren Sie jetzt Ihren Sicherheitsschlüssel.";
    key_blocked => "The security key refuses: its PIN or fingerprint is blocked. Reset it with its maker's tool.",
        "Der Sicherheitsschlüssel verweigert: Seine PIN oder sein Fingerabdruck ist gesperrt. Setzen Sie ihn mit dem Werkzeug des Herstellers zurück.";
    key_pin => "The security key's PIN", "Die PIN des Sicherheitsschlüssels";
    wrong_pin_unknown => "Wrong PIN.", "Falsche PIN.";
    send_pin => "Unlock the key", "Schlüssel entsperren";
    which_passkey => "Which passkey on this key?", "Welcher Passkey auf diesem Schlüssel?";
}

formats! {
    owns(accounts) => "Owns: {accounts}", "Besitzt: {accounts}";
    last_used(when) => "last used {when}", "zuletzt benutzt {when}";
    wrong_pin(left) => "Wrong PIN: {left} tries left.", "Falsche PIN: noch {left} Versuche.";
    safe_made(name) => "Made {name}: its first payment deploys it.", "{name} erstellt: Seine erste Zahlung stellt ihn bereit.";
}

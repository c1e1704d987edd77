//! Text of the shared pieces of markup: addresses, fees, fiat values, the backup check and
//! reminder, the review's risk and guard, the sync line, state chips, the password hint.

use cairn_api::password::Weakness;

use super::{formats, lang, texts, Lang};

texts! {
    // Account select
    /// After an account's name, hence the leading space.
    smart_mark => " (smart)", " (Smart Account)";

    // Address: copy and explorer
    copy => "Copy", "Kopieren";
    copy_address => "Copy the address", "Adresse kopieren";
    copied => "Copied", "Kopiert";
    copy_by_hand => "Select and copy it by hand", "Markieren und von Hand kopieren";
    view_on_explorer => "View on explorer", "Im Explorer ansehen";

    // Backup: the word check
    check_copy => "Check your copy: type these words from it.",
        "Prüfen Sie Ihre Abschrift: Geben Sie diese Wörter daraus ein.";
    check => "Check", "Prüfen";

    // Backup: the reminder
    reminder_title => "Back up your recovery phrase", "Sichern Sie Ihre Wiederherstellungsphrase";
    reminder_text => "Your recovery phrase is not backed up yet. If this device is lost or broken, the phrase is the only way back to your funds.",
        "Ihre Wiederherstellungsphrase ist noch nicht gesichert. Geht dieses Gerät verloren oder kaputt, ist die Phrase der einzige Weg zurück zu Ihrem Guthaben.";
    back_up_now => "Back up now", "Jetzt sichern";
    password => "Password", "Passwort";
    authenticator_code => "Code from your authenticator app", "Code aus Ihrer Authenticator-App";
    show_words => "Show the words", "Wörter anzeigen";
    write_on_paper => "Write them on paper, in order, and keep it offline.",
        "Schreiben Sie sie der Reihe nach auf Papier und bewahren Sie es offline auf.";
    written_down => "I have written them down", "Ich habe sie aufgeschrieben";

    // Fiat: prices and their age
    no_price => "no price known", "kein Kurs bekannt";
    stale_price => "stale price", "veralteter Kurs";
    just_now => "just now", "gerade eben";
    a_minute_ago => "a minute ago", "vor einer Minute";
    an_hour_ago => "an hour ago", "vor einer Stunde";
    yesterday => "yesterday", "gestern";

    // Guard: override and code
    /// After a checkbox, hence the leading space.
    risk_override => " I understand the risk: send anyway", " Ich verstehe das Risiko: trotzdem senden";
    guard_code => "Code from your authenticator app (if your policy asks)",
        "Code aus Ihrer Authenticator-App (falls Ihre Ausgaberegeln ihn verlangen)";

    // Risk view: severities of the core's warnings
    critical => "CRITICAL", "KRITISCH";
    high => "HIGH", "HOCH";
    medium => "MEDIUM", "MITTEL";
    low => "LOW", "NIEDRIG";

    // State chips: the core's operation states
    state_draft => "draft", "Entwurf";
    state_authorized => "authorized", "autorisiert";
    state_signed => "signed", "signiert";
    state_queued => "queued", "in der Warteschlange";
    state_submitted => "submitted", "übermittelt";
    state_included => "included", "aufgenommen";
    state_confirmed => "confirmed", "bestätigt";
    state_failed => "failed", "fehlgeschlagen";
    state_replaced => "replaced", "ersetzt";
    state_dropped => "dropped", "verworfen";
    state_needs_resign => "needs resign", "neu zu signieren";

    // Password strength
    strength_empty => "At least 8 characters; a few unrelated words are easy to remember and hard to guess.",
        "Mindestens 8\u{a0}Zeichen; ein paar unzusammenhängende Wörter sind leicht zu merken und schwer zu erraten.";
    strong => "strong", "stark";
    good => "good", "gut";

    // Sync line
    connecting => "Connecting…", "Verbindung wird hergestellt …";
    sync_now => "Sync now", "Jetzt synchronisieren";
}

formats! {
    // Network badge
    chain_label(name, chain_id) => "{name} · chain {chain_id}", "{name} · Chain {chain_id}";

    // Backup: the word check
    word_number(position) => "Word #{position}", "Wort Nr.\u{a0}{position}";

    // Fee
    /// The review's fee on hover: the whole upper bound.
    at_most(max, symbol) => "at most {max} {symbol}", "höchstens {max} {symbol}";
    /// The review's fee; `cut` is "…" where digits were cut.
    max_fee(max, cut, symbol, gas) => "at most {max}{cut} {symbol} (gas {gas})",
        "höchstens {max}{cut} {symbol} (Gas {gas})";
    fee_paid(fee) => "fee {fee}", "Gebühr {fee}";

    // Fiat: where a price came from and how old it is
    price_from_chainlink(ago) => "price from Chainlink on chain, {ago}",
        "Kurs von Chainlink auf der Chain, {ago}";
    price_from_service(ago) => "price from the price service, {ago}", "Kurs vom Kursdienst, {ago}";
    price_from(source, ago) => "price from {source}, {ago}", "Kurs von {source}, {ago}";
    minutes_ago(minutes) => "{minutes} minutes ago", "vor {minutes}\u{a0}Minuten";
    hours_ago(hours) => "{hours} hours ago", "vor {hours}\u{a0}Stunden";
    days_ago(days) => "{days} days ago", "vor {days}\u{a0}Tagen";

    // Risk view
    risk_score(score) => "Risk score {score} / 100", "Risikowert {score} / 100";
    simulation_fails(reason) => "The simulation says this fails: {reason}",
        "Laut Simulation schlägt dies fehl: {reason}";
    approval(amount, symbol, spender) => "approve {amount} {symbol} to {spender}",
        "Freigabe von {amount} {symbol} für {spender}";
    not_checked(what) => "Not checked: {what}", "Nicht geprüft: {what}";

    // Password strength
    too_weak(reason) => "Too weak: {reason}.", "Zu schwach: {reason}.";
    strength(word) => "Strength: {word}.", "Stärke: {word}.";

    // Sync line; `queue` is the queue's part or nothing
    queue(queued, in_flight) => " · {queued} queued, {in_flight} in flight",
        " · {queued} in der Warteschlange, {in_flight} unterwegs";
    sync_quiet(block, queue) => "Quiet · block {block} as last read{queue}",
        "Ruhemodus · zuletzt gelesen: Block {block}{queue}";
    sync_online(block, endpoint, queue) => "Online · block {block} · {endpoint}{queue}",
        "Online · Block {block} · {endpoint}{queue}";
    sync_offline(queue) => "Offline: sends are signed and queued{queue}",
        "Offline: Zahlungen werden signiert und in die Warteschlange gestellt{queue}";
}

/// Why a new password is too weak, to follow "Too weak: ". The core's own words in English
/// (`Weakness::reason`, the same the core refuses with), the catalog's in German.
pub(crate) fn weakness(w: Weakness) -> &'static str {
    match lang() {
        Lang::En => w.reason(),
        Lang::De => match w {
            Weakness::TooShort => "verwenden Sie mindestens 8\u{a0}Zeichen",
            Weakness::Repeats => "es wiederholt ein oder zwei Zeichen",
            Weakness::Sequence => "es ist eine Folge (wie 12345678 oder abcdefgh)",
            Weakness::KeyboardRow => "es ist eine Tastenreihe der Tastatur",
            Weakness::Common => "es ist eines der meistbenutzten Passwörter",
            Weakness::Guessable => {
                "es ist kurz und schlicht: Machen Sie es länger (ein paar unzusammenhängende \
                 Wörter eignen sich gut)"
            }
        },
    }
}

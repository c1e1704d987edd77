//! Text of the activity tab (operations and the history) and of the audit log.

use super::{formats, texts};

texts! {
    // Filters.
    /// Before the account picker; the space keeps it apart from the picker.
    account_filter => "Account ", "Konto ";
    all_accounts => "All accounts", "Alle Konten";
    /// Before the state picker; the space keeps it apart from the picker.
    show_filter => "Show ", "Anzeigen ";
    everything => "Everything", "Alles";
    in_progress => "In progress", "In Bearbeitung";
    finished => "Finished", "Abgeschlossen";
    failed => "Failed", "Fehlgeschlagen";

    // A cancel's state: what happened to the payment it cancels.
    cancelled => "cancelled", "storniert";
    cancel_failed => "cancel failed", "Stornieren fehlgeschlagen";
    cancelling => "cancelling", "wird storniert";

    // The kind of an operation, before its recipient.
    kind_transfer => "transfer", "Überweisung";
    kind_erc20_transfer => "erc20 transfer", "ERC-20-Überweisung";
    kind_batch => "batch", "Batch";
    kind_contract_call => "contract call", "Vertragsaufruf";
    kind_cancel => "cancel", "Stornierung";

    // The operations.
    activity => "Activity", "Aktivität";
    nothing_sent => "Nothing sent yet.", "Noch nichts gesendet.";
    sped_up_note => "Sped up: one payment, re-signed with a higher fee",
        "Beschleunigt: eine Zahlung, mit höherer Gebühr neu signiert";
    user_operation => "user operation", "User-Operation";
    gas_sponsored => "gas sponsored", "Gas gesponsert";
    speed_up => "Speed up…", "Beschleunigen …";
    cancel => "Cancel…", "Stornieren …";
    sign_again => "Sign again", "Erneut signieren";
    older => "Older", "Ältere";

    // Confirming a speed-up or cancel.
    confirm => "Confirm", "Bestätigen";
    new_network_fee => "New network fee", "Neue Netzwerkgebühr";
    /// The fee before the replacement.
    was => "Was", "Bisher";
    one_is_mined => "Only one of the two is mined, and only its fee is paid.",
        "Nur eine der beiden wird in einen Block aufgenommen, und nur ihre Gebühr wird bezahlt.";
    confirm_cancel => "Confirm cancel", "Stornieren bestätigen";
    confirm_speed_up => "Confirm speed-up", "Beschleunigen bestätigen";
    keep_as_is => "Keep as is", "So lassen";

    // The history.
    history => "History", "Verlauf";
    no_movements => "No movements found on chain yet.", "Noch keine Bewegungen auf der Chain gefunden.";
    /// Before the sender of an incoming movement.
    from => "from", "von";
    /// Before the recipient of an outgoing movement.
    to => "to", "an";
    network_fee => "network fee", "Netzwerkgebühr";

    // The audit log.
    when_utc => "When (UTC)", "Zeitpunkt (UTC)";
    event => "Event", "Ereignis";
    outcome => "Outcome", "Ergebnis";
    detail => "Detail", "Details";
}

formats! {
    // The operations.
    /// A cancelled payment's amount and symbol.
    not_sent(amount, symbol) => "{amount} {symbol} not sent", "{amount} {symbol} nicht gesendet";
    /// The transaction that carried a user operation.
    bundle(hash) => "bundle {hash}", "Bundle {hash}";
    cancel_quote(amount, symbol) =>
        "Cancel: send nothing instead of {amount} {symbol} (a transfer of 0 to yourself takes its place).",
        "Stornieren: Statt {amount} {symbol} wird nichts gesendet (an ihre Stelle tritt eine Überweisung von 0 an Sie selbst).";
    speed_up_quote(amount, symbol) => "Speed up: the same {amount} {symbol}, with a higher fee.",
        "Beschleunigen: dieselben {amount} {symbol}, mit höherer Gebühr.";
    /// A maximal network fee.
    up_to(amount, symbol) => "up to {amount} {symbol}", "bis zu {amount} {symbol}";

    // The history.
    block(number) => "block {number}", "Block {number}";

    // The audit log.
    chain_intact(count) => "Chain intact: {count} entries verified.",
        "Kette intakt – geprüfte Einträge: {count}.";
    /// The check's finding, in the core's English.
    tampered(what) => "Tampering detected: {what}", "Manipulation erkannt: {what}";
}

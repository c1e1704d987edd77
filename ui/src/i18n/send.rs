//! Text of send: the form, the recipient picker, the review of a transaction or a user
//! operation, and its confirmation.

use super::{formats, texts};

texts! {
    // Beside an amount in the user's currency.
    stale_price => " (stale price)", " (veralteter Kurs)";
    // Recipient picker.
    pick_recipient => "Pick a recipient", "Empfänger wählen";
    // Both reviews' footer.
    signing => "Signing…", "Wird signiert\u{a0}…";
    confirm_and_send => "Confirm and send", "Bestätigen und senden";
    back => "Back", "Zurück";
    // Review of a user operation.
    review_user_op => "Review user operation", "User-Operation prüfen";
    gas_sponsored => "Gas sponsored", "Gas gesponsert";
    review_send => "Send", "Senden";
    /// The unit of a token transfer in a user operation (ETH is named by its symbol).
    tokens => "tokens", "Token";
    approve => "Approve", "Genehmigen";
    signed_by => "Signed by", "Signiert von";
    sign_with => "Sign with", "Signieren mit";
    the_accounts_key => "The account's key", "Dem Schlüssel des Kontos";
    its_own_passkey => "Its own passkey", "Seinem eigenen Passkey";
    gas_paid_by => "Gas paid by", "Gas bezahlt von";
    deploys => "This first operation also deploys your smart account.",
        "Diese erste Operation stellt auch Ihren Smart Account bereit.";
    bundler_offline => "The bundler does not answer: this is signed now and sent when it does.",
        "Der Bundler antwortet nicht: Die Operation wird jetzt signiert und gesendet, sobald er antwortet.";
    // Review of a transaction (and rows both reviews share).
    review => "Review", "Prüfen";
    worth => "Worth", "Wert";
    network_fee => "Network fee", "Netzwerkgebühr";
    fee_worth => "Fee worth", "Wert der Gebühr";
    from => "From", "Von";
    to => "To", "An";
    available => "Available", "Verfügbar";
    nonce => "Nonce", "Nonce";
    offline => "Offline: this is signed now and sent when a node answers.",
        "Offline: Die Zahlung wird jetzt signiert und gesendet, sobald ein Knoten antwortet.";
    // The form.
    title => "Send", "Senden";
    asset => "Asset", "Asset";
    amount => "Amount", "Betrag";
    max_button => "Max", "Max.";
    speed => "Speed", "Geschwindigkeit";
    slow => "Slow", "Langsam";
    normal => "Normal", "Normal";
    fast => "Fast", "Schnell";
    custom => "Custom", "Benutzerdefiniert";
    max_fee_per_gas => "Max fee per gas (gwei)", "Höchstgebühr pro Gas (gwei)";
    priority_fee_per_gas => "Priority fee per gas (gwei)", "Prioritätsgebühr pro Gas (gwei)";
    let_paymaster_pay => " Let the paymaster pay the gas", " Den Paymaster das Gas bezahlen lassen";
    approve_spender => "Also approve a spender (same operation)",
        "Zusätzlich einen Spender genehmigen (in derselben Operation)";
    spender_placeholder => "spender 0x… (optional)", "Spender 0x… (optional)";
    allowance_placeholder => "allowance", "Freigabebetrag";
    paid_by_paymaster => "paid by the paymaster", "vom Paymaster bezahlt";
    priced_at_review => "priced at review", "wird beim Prüfen berechnet";
    total => "Total", "Gesamt";
    checking => "Checking…", "Wird geprüft\u{a0}…";
}

formats! {
    passkey_named(label) => "Passkey “{label}”", "Passkey „{label}“";
    // Recipient picker: what each choice is, for assistive technology.
    recipient_account(name, address) => "Your account {name}, {address}",
        "Ihr Konto {name}, {address}";
    recipient_contact(name, address) => "Contact {name}, {address}",
        "Kontakt {name}, {address}";
    recipient_recent(address) => "Sent to recently: {address}",
        "Kürzlich gesendet an: {address}";
    // Review of a user operation: one row per call.
    transfer_call(amount, unit, to) => "{amount} {unit} to {to}", "{amount} {unit} an {to}";
    approve_call(amount, spender) => "{amount} to {spender}", "{amount} für {spender}";
    // Review of a transaction: `about` starts with its own space.
    at_most(about) => "at most{about}", "höchstens{about}";
    // The form.
    asset_option(symbol, available) => "{symbol} (available {available})",
        "{symbol} ({available} verfügbar)";
    available_line(amount, symbol) => "Available: {amount} {symbol}",
        "Verfügbar: {amount} {symbol}";
    smart_account(version) => "Smart account ({version})", "Smart Account ({version})";
    fee_up_to(fee, symbol, about) => "up to {fee} {symbol}{about}", "bis zu {fee} {symbol}{about}";
    total_up_to(total, symbol) => "up to {total} {symbol}", "bis zu {total} {symbol}";
}

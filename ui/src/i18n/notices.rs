//! Text of the notices: funds arrived, a send ended. Shown in the window and as system
//! notifications.

use super::{formats, texts};

texts! {
    region => "Notices", "Mitteilungen";
    dismiss => "Dismiss", "Schließen";
    cancelled => "Payment cancelled", "Zahlung storniert";
    failed => "Payment failed", "Zahlung fehlgeschlagen";
    system => "System notifications while the window is not in front",
        "Systemmitteilungen, während das Fenster nicht vorne ist";
    system_note => "A minimised window is quiet (nothing is read), so its news comes when it is shown again.",
        "Ein minimiertes Fenster ist still (es wird nichts gelesen); seine Neuigkeiten kommen, sobald es wieder gezeigt wird.";
}

formats! {
    received(amount, symbol) => "Received {amount} {symbol}", "{amount} {symbol} erhalten";
    received_at(account, from) => "To {account}, from {from}", "An {account}, von {from}";
    received_at_unknown(account) => "To {account}", "An {account}";
    sent(amount, symbol) => "Sent {amount} {symbol}", "{amount} {symbol} gesendet";
    confirmed_to(to) => "Confirmed, to {to}", "Bestätigt, an {to}";
    failed_to(to) => "To {to}", "An {to}";
}

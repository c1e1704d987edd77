//! Text of the networks and prices cards in Settings.

use super::{formats, texts};

texts! {
    // Networks: the list
    title => "Networks", "Netzwerke";
    in_use => "in use", "in Verwendung";
    use_network => "Use", "Verwenden";
    /// After a network's endpoints, hence the leading spaces.
    added => "  (added)", "  (hinzugefügt)";
    edit => "Edit", "Bearbeiten";

    // Networks: the form
    add_title => "Add a network", "Netzwerk hinzufügen";
    name => "Name", "Name";
    chain_id => "Chain id", "Chain-ID";
    currency_symbol => "Currency symbol", "Währungssymbol";
    rpc_urls => "RPC URLs (in failover order)", "RPC-URLs (in Failover-Reihenfolge)";
    more => "More: WebSocket, smart accounts, explorer, confirmations, limits",
        "Mehr: WebSocket, Smart Accounts, Explorer, Bestätigungen, Limits";
    ws_url => "WebSocket URL (new blocks pushed; optional)", "WebSocket-URL (neue Blöcke per Push; optional)";
    bundler_url => "ERC-4337 bundler URL (optional)", "ERC-4337-Bundler-URL (optional)";
    paymaster_url => "Paymaster URL (optional)", "Paymaster-URL (optional)";
    explorer_api_url => "Explorer API URL (history; optional)", "Explorer-API-URL (Verlauf; optional)";
    currency_decimals => "Currency decimals", "Dezimalstellen der Währung";
    confirmations => "Blocks until a payment counts as final", "Blöcke, bis eine Zahlung als endgültig gilt";
    fee_ceiling => "Refuse fees above (gwei; empty for the default)",
        "Gebühren ablehnen über (gwei; leer für den Standardwert)";
    log_span => "Largest block range per log query (empty for the default)",
        "Größter Blockbereich pro Log-Abfrage (leer für den Standardwert)";
    network_saved => "Saved: every endpoint answered on the right chain.",
        "Gespeichert: Jeder Endpunkt hat auf der richtigen Chain geantwortet.";
    checking => "Checking the endpoints…", "Endpunkte werden geprüft …";
    check_and_save => "Check and save", "Prüfen und speichern";
    check_and_add => "Check and add", "Prüfen und hinzufügen";
    cancel_editing => "Cancel editing", "Bearbeiten abbrechen";

    // Networks: what the form refuses before the core is asked
    bad_chain_id => "the chain id is a positive whole number", "Die Chain-ID muss eine positive ganze Zahl sein";
    bad_decimals => "the currency's decimals are a whole number from 0 to 77",
        "Die Dezimalstellen der Währung müssen eine ganze Zahl von 0 bis 77 sein";
    bad_confirmations => "confirmations are a whole number", "Die Bestätigungen müssen eine ganze Zahl sein";
    bad_fee_ceiling => "the fee ceiling is in whole gwei", "Die Gebührenobergrenze wird in ganzen gwei angegeben";
    bad_log_span => "the log span is a number of blocks", "Die Log-Spanne muss eine Anzahl von Blöcken sein";

    // Prices
    prices_title => "Prices", "Kurse";
    show_values_in => "Show values in", "Werte anzeigen in";
    /// After its checkbox, hence the leading space.
    read_prices => " Read prices (from Chainlink feeds, through your own node)",
        " Kurse lesen (aus Chainlink-Feeds, über Ihren eigenen Knoten)";
    /// After its checkbox, hence the leading space.
    rest_fallback => " Where no feed answers, ask a price service (it learns which assets you hold, never your addresses)",
        " Wo kein Feed antwortet, einen Kursdienst fragen (er erfährt, welche Assets Sie halten, nie Ihre Adressen)";
    price_service => "Price service", "Kursdienst";
    save => "Save", "Speichern";
    refresh_prices => "Refresh prices", "Kurse aktualisieren";
    prices_saved => "Saved.", "Gespeichert.";
    no_prices => "No price read yet on this network.", "In diesem Netzwerk wurde noch kein Kurs gelesen.";
    source => "Source", "Quelle";
    as_of => "As of", "Stand";
    /// A price's source in the table.
    source_service => "price service", "Kursdienst";
    stale => "stale", "veraltet";
}

formats! {
    /// The edit button's label and the form's heading while editing.
    edit_named(name) => "Edit {name}", "{name} bearbeiten";
}

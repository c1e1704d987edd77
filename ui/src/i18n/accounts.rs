//! Text of accounts (the home screen: total value, account cards, hidden accounts, assets)
//! and of receive.

use super::{formats, texts};

texts! {
    // Total value.
    total_value => "Total value", "Gesamtwert";
    balances_unread => "Balances not read from this network yet",
        "Guthaben aus diesem Netzwerk noch nicht gelesen";
    // Accounts and hidden accounts.
    add_account => "Add account", "Konto hinzufügen";
    show_again => "Show again", "Wieder anzeigen";
    // One account's card.
    no_node => "No node answers: the balance shows when one does.",
        "Kein Knoten antwortet: Das Guthaben erscheint, sobald einer antwortet.";
    save => "Save", "Speichern";
    deployed => "deployed", "bereitgestellt";
    not_deployed => "not deployed yet: its first operation deploys it",
        "noch nicht bereitgestellt: Seine erste Operation stellt ihn bereit";
    refresh => "Refresh", "Aktualisieren";
    funding => "Funding…", "Wird aufgeladen\u{a0}…";
    get_test_eth => "Get 10 test ETH", "10\u{a0}Test-ETH holen";
    rename => "Rename", "Umbenennen";
    hide => "Hide", "Ausblenden";
    make_smart => "Smart account", "Smart Account";
    // Assets.
    assets => "Assets", "Assets";
    account => "Account", "Konto";
    confirmed => "Confirmed", "Bestätigt";
    pending_out => "Pending out", "Ausstehende Ausgänge";
    available => "Available", "Verfügbar";
    value => "Value", "Wert";
    not_read => "not read from the chain yet", "noch nicht von der Chain gelesen";
    token_contract_placeholder => "token contract 0x…", "Token-Contract 0x…";
    add_token => "Add token", "Token hinzufügen";
    safe_kind => "Safe smart account", "Safe Smart Account";
    // Receive.
    receive_title => "Receive", "Empfangen";
    receive_to => "Receive to", "Empfangen auf";
}

formats! {
    // Total value.
    native_total(amount, symbol) => "{amount} {symbol} across your accounts",
        "{amount} {symbol} in allen Ihren Konten";
    unpriced(list) => "Not counted (no price): {list}", "Nicht mitgezählt (kein Kurs): {list}";
    // Hidden accounts.
    hidden_accounts(count) => "Hidden accounts ({count})", "Ausgeblendete Konten ({count})";
    // One account's card.
    at_block(block) => "at block {block}", "Stand: Block {block}";
    smart_badge(version, owner, state, deposit) => "Smart account {version} of {owner} · {state}{deposit}",
        "Smart Account {version} von {owner} · {state}{deposit}";
    deposit(amount, symbol) => " · {amount} {symbol} deposited at the EntryPoint for gas",
        " · {amount} {symbol} beim EntryPoint für Gas hinterlegt";
    smart_version(version) => "Smart account {version}", "Smart Account {version}";
    safe_badge(owner, threshold, owners, state, deposit) =>
        "Safe of {owner} · {threshold} of {owners} owner(s) must sign · {state}{deposit}",
        "Safe von {owner} · {threshold} von {owners} Eigentümer(n) müssen signieren · {state}{deposit}";
    // Receive.
    only_on(network, chain) => "Only send assets on {network} (chain {chain}) to this address.",
        "Senden Sie an diese Adresse nur Assets im Netzwerk {network} (Chain {chain}).";
}

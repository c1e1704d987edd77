//! Text of the dapp bridge: the approval cards dapps' requests become, and Settings → Connected
//! apps (turning the bridge on, tokens for programs, what each caller was granted).

use super::{formats, texts};

texts! {
    approvals_title => "Requests from apps", "Anfragen von Apps";
    connect => "wants to see your accounts", "möchte Ihre Konten sehen";
    personal_sign => "asks you to sign a message", "bittet Sie, eine Nachricht zu signieren";
    typed => "asks you to sign structured data", "bittet Sie, strukturierte Daten zu signieren";
    send => "asks you to send a transaction", "bittet Sie, eine Transaktion zu senden";
    calls => "asks you to send a batch of calls", "bittet Sie, mehrere Aufrufe zusammen zu senden";
    add_chain => "asks to add a network (Cairn checks its endpoints first; it does not switch to it)",
        "bittet, ein Netzwerk hinzuzufügen (Cairn prüft zuerst seine Endpunkte; es wechselt nicht dorthin)";
    switch_chain => "asks to use another network (for this app only: Cairn and other apps stay where they are)", "bittet, ein anderes Netzwerk zu nutzen (nur für diese App: Cairn und andere Apps bleiben, wo sie sind)";
    waiting_title => "An app waits for your answer", "Eine App wartet auf Ihre Antwort";
    pairing => "Browser extension: load Cairn's extension, make a token here named after the browser, and paste it with the port above into the extension's options.",
        "Browser-Erweiterung: Laden Sie Cairns Erweiterung, erstellen Sie hier ein Token mit dem Namen des Browsers und fügen Sie es mit dem Port oben in die Optionen der Erweiterung ein.";
    share => "Accounts to show it", "Konten, die es sehen darf";
    other => "asks", "fragt";
    approve => "Approve", "Zustimmen";
    reject => "Reject", "Ablehnen";
    code => "Two-factor code (if your policy asks)", "Zwei-Faktor-Code (falls Ihre Richtlinie fragt)";
    title => "Connected apps", "Verbundene Apps";
    note => "Web pages and programs on this computer can ask Cairn for your accounts, signatures and payments. Nothing listens until you turn it on, only this computer can reach it, and every request that matters waits for you here.",
        "Webseiten und Programme auf diesem Computer können Cairn um Ihre Konten, Signaturen und Zahlungen bitten. Nichts lauscht, bevor Sie es einschalten, nur dieser Computer erreicht es, und jede wichtige Anfrage wartet hier auf Sie.";
    port_label => "Port", "Port";
    turn_on => "Turn on", "Einschalten";
    turn_off => "Turn off", "Ausschalten";
    off => "Off", "Aus";
    tokens_title => "Programs (tokens)", "Programme (Tokens)";
    token_name => "Name of the program", "Name des Programms";
    make_token => "Make a token", "Token erstellen";
    token_once => "Give this token to the program now: Cairn keeps only its fingerprint and will not show it again.",
        "Geben Sie dieses Token jetzt dem Programm: Cairn behält nur seinen Fingerabdruck und zeigt es nicht wieder.";
    revoke => "Revoke", "Widerrufen";
    revoked => "revoked", "widerrufen";
    grants_title => "What each app may see", "Was jede App sehen darf";
    no_grants => "No app is connected.", "Keine App ist verbunden.";
    calls_title => "What it calls", "Was es aufruft";
    unlimited => "unlimited", "unbegrenzt";
    base_units => "(an amount in base units, or an NFT's id: Cairn does not know this token)", "(ein Betrag in Basiseinheiten oder die ID eines NFT: Cairn kennt dieses Token nicht)";
    payment => "payment", "Zahlung";
}

formats! {
    unlock_to_answer(who) => "{who} asks Cairn for something: unlock to answer.", "{who} bittet Cairn um etwas: Entsperren Sie, um zu antworten.";
    waiting_body(who) => "{who} asks Cairn for something: open Cairn to answer.", "{who} bittet Cairn um etwas: Öffnen Sie Cairn, um zu antworten.";
    listening(url) => "On: {url}", "An: {url}";
    on_chain(chain) => "on chain {chain}", "auf Chain {chain}";
    undecoded(selector) => "function {selector}: Cairn cannot read this call — only the app knows what it does",
        "Funktion {selector}: Cairn kann diesen Aufruf nicht lesen — nur die App weiß, was er tut";
    call_on(to) => "on {to}", "auf {to}";
    with_value(value) => "sending {value}", "sendet {value}";
    grant_line(accounts, chain) => "{accounts} · chain {chain}", "{accounts} · Chain {chain}";
}

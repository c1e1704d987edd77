//! Text of guardians and recovery: the guardians of a Safe, approving a request as a guardian,
//! recovering an account on a new device, and their notices.

use super::{formats, texts};

texts! {
    title => "Guardians and recovery", "Guardians und Wiederherstellung";
    note => "Guardians (people or devices you trust) can give a Safe a new owner key if yours is lost: enough of them must approve, and nothing happens before the delay, during which your wallet warns you and you can cancel.",
        "Guardians (Menschen oder Geräte, denen Sie vertrauen) können einem Safe einen neuen Eigentümer-Schlüssel geben, wenn Ihrer verloren ist: genug von ihnen müssen zustimmen, und vor Ablauf der Wartezeit geschieht nichts – in dieser Zeit warnt Ihre Wallet und Sie können abbrechen.";
    no_safe => "This wallet has no Safe yet: make one from an account card (Make smart account).",
        "Diese Wallet hat noch keinen Safe: Legen Sie ihn über eine Kontokarte an (Smart Account anlegen).";
    safe_label => "Safe", "Safe";
    no_guardians => "No guardians: a lost key loses this account.",
        "Keine Guardians: Ein verlorener Schlüssel verliert dieses Konto.";
    no_guardians_yet => "No guardians yet: Settings → Guardians and recovery.",
        "Noch keine Guardians: Einstellungen → Guardians und Wiederherstellung.";
    guardians_label => "Guardians (one address per line)", "Guardians (eine Adresse pro Zeile)";
    threshold_label => "Approvals needed", "Nötige Zustimmungen";
    delay_label => "Delay before a recovery can run", "Wartezeit, bevor eine Wiederherstellung ausgeführt werden kann";
    delay_10m => "10 minutes (test network)", "10 Minuten (Testnetz)";
    delay_1d => "1 day", "1 Tag";
    delay_3d => "3 days (recommended)", "3 Tage (empfohlen)";
    delay_7d => "7 days", "7 Tage";
    set_guardians => "Set guardians", "Guardians festlegen";
    replace_guardians => "Replace guardians", "Guardians ersetzen";
    scheduled_title => "Waiting in the timelock", "Wartet im Timelock";
    cancel => "Cancel it", "Abbrechen";
    not_owner_change => "A call that is not an owner change: never what guardians are for.",
        "Ein Aufruf, der keinen Eigentümer wechselt: nie Sache der Guardians.";
    approve_title => "Approve a recovery request", "Eine Wiederherstellungsanfrage bestätigen";
    approve_note => "Paste the request someone sent you as a guardian. Check with them, by another channel, that they really lost their key.",
        "Fügen Sie die Anfrage ein, die Ihnen als Guardian geschickt wurde. Prüfen Sie auf anderem Weg mit der Person, dass sie ihren Schlüssel wirklich verloren hat.";
    request_label => "Request", "Anfrage";
    review => "Review", "Prüfen";
    approve => "Approve and sign", "Zustimmen und signieren";
    not_checked => "No node answered: this is what the request says, not checked against the chain.",
        "Kein Node antwortete: So steht es in der Anfrage, nicht gegen die Chain geprüft.";
    approval_label => "Your approval: send it back to the person recovering", "Ihre Zustimmung: Senden Sie sie an die Person zurück, die wiederherstellt";
    copy => "Copy", "Kopieren";
    copied => "Copied", "Kopiert";
    recover_title => "Recover an account", "Ein Konto wiederherstellen";
    recover_note => "On this new device: name the Safe you lost the key of, send the request to its guardians, paste their approvals, and after the delay the Safe is yours again.",
        "Auf diesem neuen Gerät: Nennen Sie den Safe, dessen Schlüssel verloren ist, senden Sie die Anfrage an seine Guardians, fügen Sie deren Zustimmungen ein – nach der Wartezeit gehört der Safe wieder Ihnen.";
    account_label => "The Safe's address", "Adresse des Safes";
    make_request => "Make the request", "Anfrage erstellen";
    request_out_label => "Send this request to the guardians", "Senden Sie diese Anfrage an die Guardians";
    approvals_label => "Approvals (one per line)", "Zustimmungen (eine pro Zeile)";
    send_from => "Paid from", "Bezahlt von";
    submit => "Schedule the recovery", "Wiederherstellung einplanen";
    status => "Check status", "Status prüfen";
    execute => "Complete the recovery", "Wiederherstellung abschließen";
    adopted => "Done: the Safe is now an account of this wallet.", "Fertig: Der Safe ist jetzt ein Konto dieser Wallet.";
    bad_approval => "An approval line is not an approval Cairn made.", "Eine Zeile ist keine Zustimmung aus Cairn.";
    need_smart => "Make a smart account first (an account card's Make smart account): it pays for these steps, or the network's paymaster does through it.",
        "Legen Sie zuerst einen Smart Account an (Kontokarte → Smart Account anlegen): Er bezahlt diese Schritte, oder der Paymaster des Netzwerks über ihn.";
    state_ready => "can run now", "kann jetzt laufen";
    state_void => "This request can no longer be used (it was cancelled, or the guardians signed something else since): make a new one.",
        "Diese Anfrage ist nicht mehr verwendbar (sie wurde abgebrochen, oder die Guardians haben seitdem etwas anderes signiert): Erstellen Sie eine neue.";
    guardians_set => "Guardians set", "Guardians festgelegt";
    recovery_scheduled_done => "Recovery scheduled", "Wiederherstellung eingeplant";
    recovery_approved_done => "Recovery approved on chain", "Wiederherstellung auf der Chain bestätigt";
    recovery_done => "Recovery completed", "Wiederherstellung abgeschlossen";
    recovery_cancelled => "Scheduled change cancelled", "Geplante Änderung abgebrochen";
    alert_title => "Someone asked to replace your Safe's owner", "Jemand will den Eigentümer Ihres Safes ersetzen";
    call_cancelled => "Cancelled a call scheduled on your Safe", "Ein auf Ihrem Safe geplanter Aufruf wurde abgebrochen";
    call_not_cancelled => "A call is scheduled on your Safe and could not be cancelled", "Auf Ihrem Safe ist ein Aufruf geplant, der nicht abgebrochen werden konnte";
}

formats! {
    summary(threshold, count, delay) => "{threshold} of {count} guardians must approve; a recovery waits {delay}.",
        "{threshold} von {count} Guardians müssen zustimmen; eine Wiederherstellung wartet {delay}.";
    owner_change(old, new) => "Owner {old} → {new}", "Eigentümer {old} → {new}";
    pending_line(new, left) => "Recovery to new owner {new} runs in {left} unless cancelled (Settings).",
        "Wiederherstellung auf neuen Eigentümer {new} läuft in {left}, wenn nicht abgebrochen (Einstellungen).";
    pending_line_ready(new) => "Recovery to new owner {new} can run now unless cancelled (Settings).",
        "Wiederherstellung auf neuen Eigentümer {new} kann jetzt laufen, wenn nicht abgebrochen (Einstellungen).";
    state_pending(left) => "runs in {left} unless cancelled", "läuft in {left}, wenn nicht abgebrochen";
    review_text(account, old, new, delay) => "Make {new} the owner of {account} in place of {old}, after {delay}.",
        "{new} wird Eigentümer von {account} an Stelle von {old}, nach {delay}.";
    your_guardians(list) => "You sign as: {list}", "Sie signieren als: {list}";
    status_text(state) => "State: {state}", "Stand: {state}";
    alert_body(account, new, left) => "{account} → new owner {new}, in {left}. Cancel it unless it is you.",
        "{account} → neuer Eigentümer {new}, in {left}. Brechen Sie ab, wenn Sie es nicht selbst sind.";
}

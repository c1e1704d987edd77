//! Text of the security card in Settings: two-factor set-up and turning it off, the spending
//! policy, new recovery codes.

use super::{formats, texts};

texts! {
    title => "Two-factor and spending policy", "Zwei-Faktor-Schutz und Ausgaberegeln";
    password => "Password", "Passwort";
    code_from_app => "Code from your authenticator app", "Code aus Ihrer Authenticator-App";
    code_or_recovery => "Code from your authenticator app (or a recovery code)",
        "Code aus Ihrer Authenticator-App (oder ein Wiederherstellungscode)";

    // Setting two-factor up
    enroll_intro => "A code from an authenticator app, asked for exports, policy changes and the sends your policy names.",
        "Ein Code aus einer Authenticator-App, abgefragt bei Exporten, Änderungen der Ausgaberegeln und den Zahlungen, die Ihre Ausgaberegeln nennen.";
    set_up => "Set up two-factor", "Zwei-Faktor-Schutz einrichten";
    scan => "Scan this with your authenticator app, or type the secret in.",
        "Scannen Sie dies mit Ihrer Authenticator-App oder geben Sie den geheimen Schlüssel ein.";
    recovery_note => "Recovery codes: each works once, if the phone is lost. Write them down now; they are not shown again.",
        "Wiederherstellungscodes: Jeder funktioniert einmal, falls das Telefon verloren geht. Schreiben Sie sie jetzt auf; sie werden nicht noch einmal angezeigt.";
    code_now => "The code the app shows now", "Der Code, den die App jetzt anzeigt";
    turn_on => "Turn on", "Einschalten";

    // The policy in force
    /// A limit the policy does not set.
    no_limit => "no limit", "kein Limit";
    /// No risk score asks for a code.
    score_never => "— (never)", "— (nie)";

    // The policy form
    per_send_label => "Code needed above this per send (ETH)", "Code nötig über diesem Betrag pro Zahlung (ETH)";
    per_day_label => "…or per day (ETH)", "… oder pro Tag (ETH)";
    per_send_fiat_label => "…or above this value per send (your currency)",
        "… oder über diesem Wert pro Zahlung (Ihre Währung)";
    per_day_fiat_label => "…or this value per day (your currency)", "… oder diesem Wert pro Tag (Ihre Währung)";
    no_price_note => "Without a fresh price, a send counts as over a value limit: the code is asked for.",
        "Ohne aktuellen Kurs gilt eine Zahlung als über einem Wertlimit: Der Code wird abgefragt.";
    mfa_score_label => "…or from this risk score (0–100)", "… oder ab diesem Risikowert (0–100)";
    /// Placeholder of the risk score that asks for a code.
    never => "never", "nie";
    block_score_label => "Block from this risk score unless overridden",
        "Ab diesem Risikowert blockieren, sofern nicht übersteuert";
    save_policy => "Save policy", "Ausgaberegeln speichern";
    policy_saved => "Policy saved.", "Ausgaberegeln gespeichert.";

    // Turning two-factor off
    turn_off_open => "Turn two-factor off", "Zwei-Faktor-Schutz ausschalten";
    turn_off_note => "Exports, policy changes and large sends will no longer ask for a code.",
        "Exporte, Änderungen der Ausgaberegeln und große Zahlungen fragen dann nicht mehr nach einem Code.";
    turn_off => "Turn off two-factor", "Zwei-Faktor-Schutz ausschalten";

    // New recovery codes
    new_codes => "New recovery codes", "Neue Wiederherstellungscodes";
    new_codes_note => "Ten new codes replace the ones you have: the old ones stop working.",
        "Zehn neue Codes ersetzen Ihre bisherigen: Die alten funktionieren dann nicht mehr.";
    make_codes => "Make new codes", "Neue Codes erzeugen";
    write_down => "Write these down now; they are not shown again. Each works once.",
        "Schreiben Sie diese jetzt auf; sie werden nicht noch einmal angezeigt. Jeder funktioniert einmal.";
    wrote_down => "I wrote them down", "Ich habe sie aufgeschrieben";
}

formats! {
    // The policy in force
    /// The German names the count after a colon, which reads right for any number.
    state_on(left) => "Two-factor authentication is on · {left} recovery codes left",
        "Zwei-Faktor-Schutz ist an · verbleibende Wiederherstellungscodes: {left}";
    state_on_one(left) => "Two-factor authentication is on · {left} recovery code left",
        "Zwei-Faktor-Schutz ist an · verbleibende Wiederherstellungscodes: {left}";
    /// `fiat` is `policy_fiat` or empty.
    policy_current(per_send, per_day, fiat, score, block) =>
        "Code needed: above {per_send} per send, {per_day} per day{fiat}, from risk score {score}; blocked from score {block}.",
        "Code nötig: über {per_send} pro Zahlung, {per_day} pro Tag{fiat}, ab Risikowert {score}; blockiert ab Risikowert {block}.";
    /// Follows the ETH limits in `policy_current`, hence the leading space.
    policy_fiat(per_send, per_day) => " (in fiat: {per_send} per send, {per_day} per day)",
        " (in Ihrer Währung: {per_send} pro Zahlung, {per_day} pro Tag)";
}

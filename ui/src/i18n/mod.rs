//! Every word the window shows, in English and German, in this one catalog. Each entry names
//! both languages side by side (`texts!` for fixed text, `formats!` for text with values), so a
//! missing translation does not compile, and an entry no screen uses is dead code that clippy
//! refuses. Screens call `tr::send::title()`-style functions, which read the current language.
//!
//! The language is a display preference like the theme: the user's choice (Settings →
//! Appearance) or the system's (`navigator.language`), kept in localStorage, applied as
//! `<html lang>` so assistive technology reads the text in the right voice.
//!
//! What the core says (error details, risk findings) stays English: the CLI and the log speak
//! it too. In German an error shows a German sentence for its kind with the core's words beside
//! it, marked `lang="en"`.

use std::cell::Cell;

use cairn_api::ErrorCode;

pub(crate) mod accounts;
pub(crate) mod activity;
pub(crate) mod bridge;
pub(crate) mod common;
pub(crate) mod components;
pub(crate) mod dashboard;
pub(crate) mod networks;
pub(crate) mod notices;
pub(crate) mod onboarding;
pub(crate) mod passkeys;
pub(crate) mod recovery;
pub(crate) mod security;
pub(crate) mod send;
pub(crate) mod settings;
pub(crate) mod time;

/// A language the catalog is complete in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lang {
    En,
    De,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>`.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }
}

const KEY: &str = "cairn.lang";

thread_local! {
    // The wasm UI runs on one thread; the language is read on every render, so a cell rather
    // than a context that every component would have to take.
    static LANG: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// The language text is rendered in now.
pub(crate) fn lang() -> Lang {
    LANG.with(Cell::get)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// "system", "en" or "de".
pub(crate) fn choice() -> String {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .filter(|c| ["system", "en", "de"].contains(&c.as_str()))
        .unwrap_or_else(|| "system".into())
}

fn system_lang() -> Lang {
    let tag = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_default();
    resolve(&tag)
}

/// The catalog's language for a BCP 47 tag: German for any `de`, English otherwise.
pub(crate) fn resolve(tag: &str) -> Lang {
    let primary = tag.split(['-', '_']).next().unwrap_or("");
    if primary.eq_ignore_ascii_case("de") {
        Lang::De
    } else {
        Lang::En
    }
}

fn apply(lang: Lang) {
    LANG.with(|l| l.set(lang));
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", lang.tag());
    }
}

/// Applies the stored choice; called once before the first render.
pub(crate) fn init() {
    apply(match choice().as_str() {
        "en" => Lang::En,
        "de" => Lang::De,
        _ => system_lang(),
    });
}

/// Keeps the choice and applies it; returns the language now in force, for the caller to
/// re-render with.
pub(crate) fn set(choice: &str) -> Lang {
    if let Some(s) = storage() {
        // A full or disabled storage only loses the choice at the next start.
        let _ = s.set_item(KEY, choice);
    }
    init();
    lang()
}

/// Decimal text as the current language writes numbers: "12,345.678" or "12.345,678". Only
/// the separators move, never a digit; text that is not a plain decimal is left as it is.
pub(crate) fn number(text: &str) -> String {
    let (sign, rest) = match text.char_indices().next() {
        Some((_, c @ ('-' | '+' | '−'))) => (c.to_string(), &text[c.len_utf8()..]),
        _ => (String::new(), text),
    };
    let (whole, frac) = match rest.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (rest, None),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()))
    {
        return text.to_string();
    }
    let (group, point) = match lang() {
        Lang::En => (',', '.'),
        Lang::De => ('.', ','),
    };
    let mut out = sign;
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push(point);
        out.push_str(f);
    }
    out
}

/// An amount as typed, for the core (which reads a decimal point): in German a decimal comma
/// ("0,5") is read as the point. Anything else goes as typed, so "1.000,5" (a grouping mark) is
/// refused by the core with its reason rather than guessed at: a guess about money could be
/// off by a factor of a thousand.
pub(crate) fn typed_number(input: &str) -> String {
    let input = input.trim();
    if lang() == Lang::De && input.matches(',').count() == 1 && !input.contains('.') {
        return input.replacen(',', ".", 1);
    }
    input.to_string()
}

/// Fixed text: `name => "English", "Deutsch";` becomes `fn name() -> &'static str`.
macro_rules! texts {
    ($( $(#[$meta:meta])* $name:ident => $en:literal, $de:literal; )*) => {
        $(
            $(#[$meta])*
            pub(crate) fn $name() -> &'static str {
                match $crate::i18n::lang() {
                    $crate::i18n::Lang::En => $en,
                    $crate::i18n::Lang::De => $de,
                }
            }
        )*
    };
}

/// Text with values: `name(a, b) => "… {a} …", "… {b} … {a}";` becomes
/// `fn name(a: impl Display, b: impl Display) -> String`; each language orders the values as
/// its grammar wants.
macro_rules! formats {
    ($( $(#[$meta:meta])* $name:ident ( $($arg:ident),+ ) => $en:literal, $de:literal; )*) => {
        $(
            $(#[$meta])*
            pub(crate) fn $name($($arg: impl std::fmt::Display),+) -> String {
                match $crate::i18n::lang() {
                    $crate::i18n::Lang::En => format!($en),
                    $crate::i18n::Lang::De => format!($de),
                }
            }
        )*
    };
}

pub(crate) use {formats, texts};

/// What an error of this kind means, in the current language; `None` in English, where the
/// core's own message says it better.
pub(crate) fn error_kind(code: ErrorCode) -> Option<&'static str> {
    if lang() == Lang::En {
        return None;
    }
    Some(match code {
        ErrorCode::InvalidInput => "Die Eingabe ist ungültig.",
        ErrorCode::WeakPassword => "Das Passwort ist zu schwach.",
        ErrorCode::WrongPassword => "Das Passwort ist falsch.",
        ErrorCode::VaultExists => "Es gibt hier schon eine Wallet.",
        ErrorCode::Throttled => "Zu viele Versuche – bitte warten.",
        ErrorCode::KeychainMissing => "Der Schlüsselbund des Systems ist nicht erreichbar.",
        ErrorCode::NotFound => "Nicht gefunden.",
        ErrorCode::Duplicate => "Das gibt es schon.",
        ErrorCode::NoVault => "Es gibt noch keine Wallet.",
        ErrorCode::Locked => "Die Wallet ist gesperrt.",
        ErrorCode::Network => "Das Netzwerk hat nicht wie erwartet geantwortet.",
        ErrorCode::Offline => "Kein Endpunkt antwortet.",
        ErrorCode::Rejected => "Der Knoten hat abgelehnt.",
        ErrorCode::InsufficientFunds => "Das Guthaben reicht nicht.",
        ErrorCode::Conflict => "Das geht in diesem Zustand nicht mehr.",
        ErrorCode::NotDevnet => "Das gibt es nur im lokalen Devnet.",
        ErrorCode::Storage => "Das Hauptbuch konnte nicht gelesen oder geschrieben werden.",
        ErrorCode::Internal => "Ein interner Fehler.",
        ErrorCode::MfaRequired => "Dafür ist der Code des zweiten Faktors nötig.",
        ErrorCode::MfaRejected => "Der Code ist falsch, abgelaufen oder schon benutzt.",
        ErrorCode::RiskBlocked => "Die Risikoprüfung hält diese Zahlung an.",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_for_any_german_tag_english_otherwise() {
        for tag in ["de", "de-DE", "de_AT", "DE-ch"] {
            assert_eq!(resolve(tag), Lang::De, "{tag}");
        }
        for tag in ["", "en-US", "fr", "den", "nl-BE"] {
            assert_eq!(resolve(tag), Lang::En, "{tag}");
        }
    }

    /// Text written straight into a screen instead of through the catalog: a text node, a
    /// labelling attribute, a capitalised phrase or a worded `format!`. A line may opt out with
    /// the comment `i18n: not text` (a key name, a unit symbol).
    fn literal_text(line: &str) -> bool {
        let code = line.trim_start();
        if code.starts_with("//") || line.contains("i18n: not text") {
            return false;
        }
        let mut literals = Vec::new();
        let mut rest = line;
        while let Some(start) = rest.find('"') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('"') else { break };
            literals.push((&rest[..start], &after[..end]));
            rest = &after[end + 1..];
        }
        literals.iter().any(|(before, lit)| {
            let before = before.trim_end();
            let words = lit.chars().filter(|c| c.is_alphabetic()).count() >= 2;
            // `{ "text" }` as a node: after a tag, another node or at the line's start (not
            // `if x { "class" }`).
            let node = before.strip_suffix('{').is_some_and(|b| {
                let b = b.trim_end();
                b.is_empty() || b.ends_with(['>', '}'])
            }) && words;
            let attribute = ["placeholder=", "aria-label=", "title=", "alt=", "label="]
                .iter()
                .any(|a| before.ends_with(a))
                && words;
            let mut chars = lit.chars();
            let phrase = chars.next().is_some_and(char::is_uppercase)
                && chars.next().is_some_and(char::is_lowercase)
                && (lit.contains(' ') || lit.ends_with(['.', ':', '…', '?', '!']));
            let worded_format = before.ends_with("format!(")
                && without_placeholders(lit)
                    .split(|c: char| !c.is_alphabetic())
                    .any(|w| w.chars().count() >= 3);
            node || attribute || phrase || worded_format
        })
    }

    fn without_placeholders(format: &str) -> String {
        let mut out = String::new();
        let mut depth = 0;
        for c in format.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                c if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out
    }

    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && !path.ends_with("i18n") {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn the_detector_knows_text_from_code() {
        for text in [
            r#"<h2>{ "Receive" }</h2>"#,
            r#"<input placeholder="0x… or a contact" />"#,
            r#"let m = "Too many tries.";"#,
            r#"format!("Only send on {}", n)"#,
        ] {
            assert!(literal_text(text), "{text}");
        }
        for code in [
            r#"<div class="card muted">"#,
            r#"call::<_, ()>(cmd::LOCK, &NoArgs {})"#,
            r#"format!("{:02}:{:02}", h, m)"#,
            r#"if key == "Enter" { // i18n: not text"#,
            r#"<p>{ tr::title() }</p>"#,
            r#"<p class={classes!(if q { "quiet" } else { "online" })}>"#,
            r#"message: format!("{LOCAL}{message}"),"#,
        ] {
            assert!(!literal_text(code), "{code}");
        }
    }

    /// Every screen speaks through the catalog, so the second language is complete.
    #[test]
    fn no_screen_writes_text_outside_the_catalog() {
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 20, "the UI sources were not found");
        let mut found = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if text.contains("//! i18n: diagnostics only") {
                continue;
            }
            // Unit tests at the end of a file may say what they like.
            let body = text.split("#[cfg(test)]").next().unwrap_or("");
            for (n, line) in body.lines().enumerate() {
                if literal_text(line) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "text outside the catalog:\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn numbers_move_their_separators_never_their_digits() {
        LANG.with(|l| l.set(Lang::En));
        assert_eq!(number("1234567.891"), "1,234,567.891");
        assert_eq!(number("-1000"), "-1,000");
        assert_eq!(number("999.5"), "999.5");
        assert_eq!(number("0.000001"), "0.000001");
        assert_eq!(number("abc"), "abc");
        assert_eq!(number("1e5"), "1e5");
        assert_eq!(
            typed_number(" 0,5 "),
            "0,5",
            "English reads no decimal comma"
        );
        LANG.with(|l| l.set(Lang::De));
        assert_eq!(number("1234567.891"), "1.234.567,891");
        assert_eq!(number("−10000.0"), "−10.000,0");
        assert_eq!(typed_number("0,5"), "0.5");
        assert_eq!(typed_number("1.5"), "1.5", "a point stays a point");
        assert_eq!(
            typed_number("1.000,5"),
            "1.000,5",
            "ambiguous: left for the core to refuse"
        );
        assert_eq!(typed_number("1,000,5"), "1,000,5");
        LANG.with(|l| l.set(Lang::En));
    }

    #[test]
    fn each_language_places_the_values_where_its_grammar_wants() {
        formats! {
            two(a, b) => "{a} then {b}", "{b} vor {a}";
        }
        assert_eq!(two(1, "x"), "1 then x");
        LANG.with(|l| l.set(Lang::De));
        assert_eq!(two(1, "x"), "x vor 1");
        LANG.with(|l| l.set(Lang::En));
    }
}

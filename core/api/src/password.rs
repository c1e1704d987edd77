//! How guessable a new password is, in one place for the core (which refuses a weak one) and the
//! window (which says so while it is typed). No dictionary beyond the handful of passwords every
//! cracking list starts with: the rules catch what people type when asked for "8 characters"
//! (one key held down, a row of the keyboard, a counted sequence, "Password1!"), and an estimate
//! of the search space refuses the rest that is short and plain.

/// The fewest characters a password may have.
pub const MIN_CHARS: usize = 8;

/// Estimated bits below which a password is refused: ~10^12 guesses, hours for one GPU against
/// a fast hash, and our Argon2id costs far more per guess; below this the KDF is all that helps.
pub const MIN_BITS: u32 = 40;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    Repeats,
    Sequence,
    KeyboardRow,
    Common,
    Guessable,
}

impl Weakness {
    /// What to tell the user (lower case, to follow "the password is too weak: ").
    pub fn reason(self) -> &'static str {
        match self {
            Weakness::TooShort => "use at least 8 characters",
            Weakness::Repeats => "it repeats one or two characters",
            Weakness::Sequence => "it is a sequence (like 12345678 or abcdefgh)",
            Weakness::KeyboardRow => "it is a row of keys on the keyboard",
            Weakness::Common => "it is one of the most used passwords",
            Weakness::Guessable => {
                "it is short and plain: make it longer (a few unrelated words work well)"
            }
        }
    }
}

/// The passwords every guessing list tries first, in the normal form `normal` gives.
const COMMON: &[&str] = &[
    "password",
    "passwort",
    "motdepasse",
    "contrasena",
    "iloveyou",
    "letmein",
    "welcome",
    "admin",
    "administrator",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "trustno",
    "master",
    "shadow",
    "superman",
    "batman",
    "michael",
    "jennifer",
    "starwars",
    "whatever",
    "computer",
    "internet",
    "secret",
    "changeme",
    "qwerty",
    "qwertyuiop",
    "azerty",
    "abc",
    "abcd",
    "iloveu",
    "loveme",
    "freedom",
    "cairn",
    "wallet",
    "bitcoin",
    "ethereum",
    "crypto",
    "metamask",
    "blockchain",
    "hunter",
    "access",
    "login",
];

const KEYBOARD_ROWS: &[&str] = &[
    "`1234567890-=",
    "qwertyuiop[]",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "qwertzuiop",
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "1qaz2wsx3edc4rfv5tgb",
    "zaq1xsw2cde3vfr4bgt5",
];

/// Lower case, common letter-for-digit swaps undone, and what people add at the end to pass a
/// rule ("1", "123", "!") taken off.
fn normal(pw: &str) -> String {
    let lower: String = pw
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            other => other,
        })
        .collect();
    // The suffix is judged on the original text: "password1" and "password!" both end in one.
    let keep = pw
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphabetic())
        .map_or(0, |(i, c)| i + c.len_utf8());
    lower.chars().take(pw[..keep].chars().count()).collect()
}

/// Each character one step from the one before, all in the same direction.
fn is_sequence(chars: &[char]) -> bool {
    let steps: Vec<i64> = chars
        .windows(2)
        .map(|w| i64::from(u32::from(w[1])) - i64::from(u32::from(w[0])))
        .collect();
    !steps.is_empty() && (steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1))
}

/// A rough search-space estimate: the character classes used, over the length once runs of one
/// character count as one.
pub fn strength_bits(pw: &str) -> u32 {
    let chars: Vec<char> = pw.chars().collect();
    let (mut lower, mut upper, mut digit, mut other) = (false, false, false, false);
    for c in &chars {
        match c {
            'a'..='z' => lower = true,
            'A'..='Z' => upper = true,
            '0'..='9' => digit = true,
            _ => other = true,
        }
    }
    let pool = 26 * u32::from(lower)
        + 26 * u32::from(upper)
        + 10 * u32::from(digit)
        + 33 * u32::from(other);
    let effective = chars
        .windows(2)
        .filter(|w| w[0] != w[1])
        .count()
        .saturating_add(usize::from(!chars.is_empty()));
    // log2(pool) in tenths, from the integer's bit length and its leading bits.
    let tenths = if pool < 2 {
        0
    } else {
        let whole = 31 - pool.leading_zeros();
        let frac = (u64::from(pool) * 10 / (1u64 << whole)).saturating_sub(10);
        whole * 10 + frac as u32
    };
    (effective as u32).saturating_mul(tenths) / 10
}

/// Why `pw` should not protect a wallet, or `None` when it may.
pub fn weakness(pw: &str) -> Option<Weakness> {
    let chars: Vec<char> = pw.chars().collect();
    if chars.len() < MIN_CHARS {
        return Some(Weakness::TooShort);
    }
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() <= 2 {
        return Some(Weakness::Repeats);
    }
    let lower: Vec<char> = pw.to_lowercase().chars().collect();
    if is_sequence(&lower) {
        return Some(Weakness::Sequence);
    }
    let plain: String = lower.iter().collect();
    if KEYBOARD_ROWS.iter().any(|row| {
        row.contains(plain.as_str())
            || row
                .chars()
                .rev()
                .collect::<String>()
                .contains(plain.as_str())
    }) {
        return Some(Weakness::KeyboardRow);
    }
    let n = normal(pw);
    if COMMON.contains(&n.as_str()) {
        return Some(Weakness::Common);
    }
    if strength_bits(pw) < MIN_BITS {
        return Some(Weakness::Guessable);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_people_type_for_eight_characters_is_refused() {
        for (pw, why) in [
            ("short", Weakness::TooShort),
            ("11111111", Weakness::Repeats),
            ("abababab", Weakness::Repeats),
            ("12345678", Weakness::Sequence),
            ("87654321", Weakness::Sequence),
            ("abcdefghij", Weakness::Sequence),
            ("qwertyuiop", Weakness::KeyboardRow),
            ("asdfghjkl", Weakness::KeyboardRow),
            ("1qaz2wsx3edc", Weakness::KeyboardRow),
            ("password", Weakness::Common),
            ("Password1!", Weakness::Common),
            ("P@ssw0rd", Weakness::Common),
            ("letmein123", Weakness::Common),
            ("ethereum2024", Weakness::Common),
            ("12341234", Weakness::Guessable),
            ("zebrafox", Weakness::Guessable),
        ] {
            assert_eq!(weakness(pw), Some(why), "{pw}");
        }
    }

    #[test]
    fn passphrases_and_mixed_passwords_are_accepted() {
        for pw in [
            "correct horse",
            "correct horse battery",
            "send sync password",
            "work password",
            "long enough",
            "Tr0ub4dor&3",
            "x7#Kp2!mQ",
            "ça marche très bien",
        ] {
            assert_eq!(weakness(pw), None, "{pw}");
        }
    }

    #[test]
    fn the_estimate_grows_with_length_and_variety() {
        assert!(strength_bits("abcdefgh") < strength_bits("abcdefghij"));
        assert!(strength_bits("abcdefgh") < strength_bits("abCDef12"));
        assert_eq!(strength_bits(""), 0);
        // A held key counts once.
        assert_eq!(strength_bits("aaaaaaaa"), strength_bits("a"));
    }
}

//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP, HMAC from ring): codes for a
//! secret and a time, verification with ±1 step of clock drift and replay protection (a step
//! once accepted is never accepted again), the secret's base32 form and its `otpauth://` URI for
//! authenticator apps, and single-use recovery codes.

use ring::hmac;
use zeroize::Zeroizing;

/// Seconds per code.
pub const PERIOD: u64 = 30;
/// Digits per code (what authenticator apps show by default).
pub const DIGITS: u32 = 6;
/// Bytes of a new secret: 160 bits, RFC 4226's recommendation for SHA-1.
pub const SECRET_BYTES: usize = 20;

/// Why a code was not accepted. Says nothing of the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("a code is {DIGITS} digits")]
    Malformed,
    #[error("the code is wrong or has expired")]
    Wrong,
    #[error("this code was already used: wait for the next one")]
    Replayed,
}

/// The HMAC a code is computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    fn ring(self) -> hmac::Algorithm {
        match self {
            // SHA-1 is what every authenticator app speaks; HMAC-SHA1 is not broken by SHA-1's
            // collisions.
            Algorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Algorithm::Sha256 => hmac::HMAC_SHA256,
            Algorithm::Sha512 => hmac::HMAC_SHA512,
        }
    }
}

/// RFC 4226 HOTP: the `digits`-digit code for `counter`.
pub fn hotp(secret: &[u8], counter: u64, digits: u32, algorithm: Algorithm) -> u32 {
    let key = hmac::Key::new(algorithm.ring(), secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let h = tag.as_ref();
    // Dynamic truncation: the low nibble of the last byte picks 4 bytes (always in range: the
    // shortest tag, SHA-1's, is 20 bytes and the offset is at most 15).
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    bin % 10u32.pow(digits)
}

/// The time step of a unix time.
pub fn step_at(unix_secs: u64) -> u64 {
    unix_secs / PERIOD
}

/// The code for a unix time, as an app shows it (zero-padded).
pub fn code_at(secret: &[u8], unix_secs: u64) -> String {
    format!(
        "{:0width$}",
        hotp(secret, step_at(unix_secs), DIGITS, Algorithm::Sha1),
        width = DIGITS as usize
    )
}

/// Checks `code` against the steps around `unix_secs` (one back, one ahead: clocks drift and
/// people type slowly) that come after `last_step`, the last one accepted. Returns the step it
/// matched, to be stored as the new `last_step`.
pub fn verify(
    secret: &[u8],
    code: &str,
    unix_secs: u64,
    last_step: Option<u64>,
) -> Result<u64, TotpError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpError::Malformed);
    }
    let now = step_at(unix_secs);
    let mut replayed = false;
    for step in [now.saturating_sub(1), now, now.saturating_add(1)] {
        let expected = format!(
            "{:0width$}",
            hotp(secret, step, DIGITS, Algorithm::Sha1),
            width = DIGITS as usize
        );
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) {
            if last_step.is_some_and(|last| step <= last) {
                replayed = true;
                continue;
            }
            return Ok(step);
        }
    }
    Err(if replayed {
        TotpError::Replayed
    } else {
        TotpError::Wrong
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (the form authenticator apps take).
pub fn base32(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(bytes.len().div_ceil(5) * 8));
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            let index = ((bits >> (35 - 5 * i)) & 0x1f) as usize;
            out.push(char::from(BASE32[index]));
        }
    }
    out
}

/// Reads base32 (case and spaces ignored, padding allowed); `None` if it is not base32.
pub fn from_base32(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::new());
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = BASE32
            .iter()
            .position(|b| char::from(*b) == c.to_ascii_uppercase())? as u32;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The `otpauth://` URI an authenticator app scans: issuer Cairn, the account label given.
pub fn otpauth_uri(secret: &[u8], label: &str) -> Zeroizing<String> {
    let label: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Zeroizing::new(format!(
        "otpauth://totp/Cairn:{label}?secret={}&issuer=Cairn&algorithm=SHA1&digits={DIGITS}&period={PERIOD}",
        base32(secret).as_str()
    ))
}

/// A recovery code as the user writes it down: `XXXXX-XXXXX` from 50 random bits.
pub fn recovery_code(random: &[u8; 7]) -> String {
    let text = base32(random);
    format!("{}-{}", &text[..5], &text[5..10])
}

/// How a recovery code is stored (its SHA-256; 50 random bits and an encrypted ledger make a
/// salt unnecessary), normalised so case, spaces and the dash do not matter.
pub fn recovery_hash(code: &str) -> Vec<u8> {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    ring::digest::digest(&ring::digest::SHA256, normal.as_bytes())
        .as_ref()
        .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 6238 appendix B: every published vector, 8 digits.
    #[test]
    fn rfc6238_vectors() {
        let sha1 = b"12345678901234567890";
        let sha256 = b"12345678901234567890123456789012";
        let sha512 = b"1234567890123456789012345678901234567890123456789012345678901234";
        let rows: [(u64, u32, u32, u32); 6] = [
            (59, 94287082, 46119246, 90693936),
            (1111111109, 7081804, 68084774, 25091201),
            (1111111111, 14050471, 67062674, 99943326),
            (1234567890, 89005924, 91819424, 93441116),
            (2000000000, 69279037, 90698825, 38618901),
            (20000000000, 65353130, 77737706, 47863826),
        ];
        for (t, c1, c256, c512) in rows {
            let step = step_at(t);
            assert_eq!(hotp(sha1, step, 8, Algorithm::Sha1), c1, "SHA1 at {t}");
            assert_eq!(
                hotp(sha256, step, 8, Algorithm::Sha256),
                c256,
                "SHA256 at {t}"
            );
            assert_eq!(
                hotp(sha512, step, 8, Algorithm::Sha512),
                c512,
                "SHA512 at {t}"
            );
        }
    }

    /// RFC 4226 appendix D: HOTP counters 0–9, 6 digits.
    #[test]
    fn rfc4226_vectors() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.into_iter().enumerate() {
            assert_eq!(
                hotp(b"12345678901234567890", counter as u64, 6, Algorithm::Sha1),
                code
            );
        }
    }

    #[test]
    fn drift_of_one_step_is_accepted_and_a_used_code_is_refused() {
        let secret = b"12345678901234567890";
        let t = 1_700_000_000;
        let code = code_at(secret, t);
        let step = verify(secret, &code, t, None).unwrap();
        assert_eq!(step, step_at(t));
        // The same code again: replay.
        assert_eq!(
            verify(secret, &code, t, Some(step)),
            Err(TotpError::Replayed)
        );
        // The previous and next steps' codes are fine (drift), two steps away is not.
        assert!(verify(secret, &code_at(secret, t - 30), t, None).is_ok());
        assert!(verify(secret, &code_at(secret, t + 30), t, None).is_ok());
        assert_eq!(
            verify(secret, &code_at(secret, t - 60), t, None),
            Err(TotpError::Wrong)
        );
        // An older code after a newer one was used: refused too.
        assert_eq!(
            verify(secret, &code_at(secret, t - 30), t, Some(step)),
            Err(TotpError::Replayed)
        );
        assert_eq!(verify(secret, "12345", t, None), Err(TotpError::Malformed));
        assert_eq!(verify(secret, "12a456", t, None), Err(TotpError::Malformed));
        assert!(verify(secret, &format!(" {} ", &code), t, None).is_ok());
    }

    #[test]
    fn base32_matches_rfc4648() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(plain.as_bytes()).as_str(), encoded);
            assert_eq!(from_base32(encoded).unwrap().as_slice(), plain.as_bytes());
        }
        assert!(from_base32("not base32!").is_none());
    }

    #[test]
    fn uri_and_recovery_codes() {
        let uri = otpauth_uri(b"12345678901234567890", "Account 1");
        assert_eq!(
            uri.as_str(),
            "otpauth://totp/Cairn:Account-1?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Cairn&algorithm=SHA1&digits=6&period=30"
        );
        let code = recovery_code(&[1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(code.len(), 11);
        assert_eq!(
            recovery_hash(&code),
            recovery_hash(&code.to_lowercase().replace('-', " "))
        );
        assert_ne!(recovery_hash(&code), recovery_hash("AAAAA-AAAAA"));
    }

    proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let text = base32(&bytes);
            let back = from_base32(&text).unwrap();
            prop_assert_eq!(back.as_slice(), bytes.as_slice());
        }

        #[test]
        fn verify_never_panics(code in ".{0,12}", t in any::<u64>(), last in any::<Option<u64>>()) {
            let _ = verify(b"12345678901234567890", &code, t, last);
        }
    }
}

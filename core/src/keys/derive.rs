//! Key material: BIP-39 mnemonics (generated from the OS's CSPRNG through ring) and BIP-32/44
//! derivation of Ethereum accounts on m/44'/60'/0'/0/i. Secrets stay in zeroizing types.

use alloy::primitives::Address;
use alloy::signers::local::{coins_bip39::English, PrivateKeySigner};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// Why a mnemonic or a derivation failed. Never carries the words themselves.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    // The word itself stays out: what was typed may be a key or part of a phrase.
    #[error("word {position} is not in the BIP-39 English word list")]
    UnknownWord { position: usize },
    #[error("a recovery phrase has 12, 15, 18, 21 or 24 words, not {0}")]
    BadWordCount(usize),
    #[error("the recovery phrase's checksum does not match: a word is wrong or out of order")]
    BadChecksum,
    #[error("the system's random number generator failed")]
    Rng,
    #[error("key derivation failed")]
    Derivation,
    #[error("a private key is 64 hex characters (0x optional), and must be a valid secp256k1 key")]
    BadPrivateKey,
}

/// The standard Ethereum path of HD account `index`.
pub fn account_path(index: u32) -> String {
    format!("m/44'/60'/0'/0/{index}")
}

/// A new English BIP-39 mnemonic of 12 or 24 words, from 128 or 256 bits of OS entropy.
pub fn generate_mnemonic(words: usize) -> Result<SecretString, KeyError> {
    let bytes = match words {
        12 => 16,
        24 => 32,
        n => return Err(KeyError::BadWordCount(n)),
    };
    let mut entropy = Zeroizing::new([0u8; 32]);
    SystemRandom::new()
        .fill(&mut entropy[..bytes])
        .map_err(|_| KeyError::Rng)?;
    let mnemonic =
        bip39::Mnemonic::from_entropy(&entropy[..bytes]).map_err(|_| KeyError::Derivation)?;
    Ok(SecretString::from(mnemonic.to_string()))
}

/// Text as BIP-39 hashes it: Unicode NFKD (so `é` typed precomposed or combined, or a
/// full-width space, is the same secret on every system).
pub fn nfkd(text: &str) -> Zeroizing<String> {
    use unicode_normalization::UnicodeNormalization;
    Zeroizing::new(text.nfkd().collect())
}

const BIP39_ROUNDS: std::num::NonZeroU32 = match std::num::NonZeroU32::new(2048) {
    Some(n) => n,
    None => std::num::NonZeroU32::MIN,
};

/// The BIP-39 seed of a phrase and passphrase: PBKDF2-HMAC-SHA512, 2048 rounds, over their
/// NFKD forms, salt "mnemonic" + passphrase.
pub fn bip39_seed(phrase: &str, passphrase: &str) -> Zeroizing<[u8; 64]> {
    let mut seed = Zeroizing::new([0u8; 64]);
    let salt = Zeroizing::new(format!("mnemonic{}", *nfkd(passphrase)));
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA512,
        BIP39_ROUNDS,
        salt.as_bytes(),
        nfkd(phrase).as_bytes(),
        &mut seed[..],
    );
    seed
}

/// Checks a phrase typed by a user and says precisely what is wrong with it. Words are
/// normalised (NFKD, lowercase, single spaces) before checking.
pub fn validate_mnemonic(phrase: &SecretString) -> Result<SecretString, KeyError> {
    let normalised = Zeroizing::new(
        nfkd(phrase.expose_secret())
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" "),
    );
    let words: Vec<&str> = normalised.split(' ').filter(|w| !w.is_empty()).collect();
    let list = bip39::Language::English;
    for (i, word) in words.iter().enumerate() {
        if list.find_word(word).is_none() {
            return Err(KeyError::UnknownWord { position: i + 1 });
        }
    }
    if ![12, 15, 18, 21, 24].contains(&words.len()) {
        return Err(KeyError::BadWordCount(words.len()));
    }
    bip39::Mnemonic::parse_in_normalized(list, &normalised).map_err(|e| match e {
        bip39::Error::InvalidChecksum => KeyError::BadChecksum,
        _ => KeyError::Derivation,
    })?;
    Ok(SecretString::from(normalised.to_string()))
}

/// The signer of HD account `index` of `phrase` (with an optional BIP-39 passphrase): the
/// BIP-39 seed ([`bip39_seed`]), then BIP-32 on the account's path ([`derive_from_seed`]).
pub fn derive_signer(
    phrase: &SecretString,
    passphrase: Option<&SecretString>,
    index: u32,
) -> Result<PrivateKeySigner, KeyError> {
    let phrase = nfkd(phrase.expose_secret());
    // A phrase whose checksum fails is refused, not turned into some seed.
    alloy::signers::local::coins_bip39::Mnemonic::<English>::new_from_phrase(phrase.as_str())
        .map_err(|_| KeyError::Derivation)?;
    let passphrase = passphrase.map(ExposeSecret::expose_secret).unwrap_or("");
    let seed = bip39_seed(phrase.as_str(), passphrase);
    derive_from_seed(&seed[..], &account_path(index))
}

/// BIP-32: the signer at `path` (e.g. `m/44'/60'/0'/0/0`) under the master key of `seed`.
pub fn derive_from_seed(seed: &[u8], path: &str) -> Result<PrivateKeySigner, KeyError> {
    use coins_bip32::prelude::{Hint, XPriv};
    let root = XPriv::root_from_seed(seed, Some(Hint::Legacy)).map_err(|_| KeyError::Derivation)?;
    let key = if path == "m" {
        root
    } else {
        root.derive_path(path).map_err(|_| KeyError::Derivation)?
    };
    let signing: &coins_bip32::prelude::SigningKey = key.as_ref();
    let mut bytes = Zeroizing::new([0u8; 32]);
    bytes.copy_from_slice(&signing.to_bytes());
    PrivateKeySigner::from_slice(&bytes[..]).map_err(|_| KeyError::Derivation)
}

/// Whether `text` has the form of a raw private key: 64 hex digits, `0x` optional. Other
/// wallets export keys both ways; one without `0x` must not be taken for a phrase.
pub fn looks_like_private_key(text: &str) -> bool {
    let text = text.trim();
    let hex_part = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    hex_part.len() == 64 && hex_part.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A raw private key as typed: 64 hex digits (`0x` optional), in the curve's range.
pub fn parse_private_key(key: &SecretString) -> Result<PrivateKeySigner, KeyError> {
    let text = key.expose_secret().trim();
    let hex_part = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if hex_part.len() != 64 {
        return Err(KeyError::BadPrivateKey);
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(hex_part, &mut bytes[..]).map_err(|_| KeyError::BadPrivateKey)?;
    PrivateKeySigner::from_slice(&bytes[..]).map_err(|_| KeyError::BadPrivateKey)
}

/// The address of HD account `index`.
pub fn derive_address(phrase: &SecretString, index: u32) -> Result<Address, KeyError> {
    Ok(derive_signer(phrase, None, index)?.address())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANVIL: &str = "test test test test test test test test test test test junk";

    #[test]
    fn anvil_dev_mnemonic_gives_the_known_accounts() {
        let phrase = SecretString::from(ANVIL);
        assert_eq!(
            crate::primitives::units::format_address(&derive_address(&phrase, 0).unwrap()),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        assert_eq!(
            crate::primitives::units::format_address(&derive_address(&phrase, 1).unwrap()),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        );
    }

    #[test]
    fn generated_mnemonics_are_valid_and_distinct() {
        let a = generate_mnemonic(12).unwrap();
        let b = generate_mnemonic(24).unwrap();
        assert_eq!(a.expose_secret().split(' ').count(), 12);
        assert_eq!(b.expose_secret().split(' ').count(), 24);
        validate_mnemonic(&a).unwrap();
        validate_mnemonic(&b).unwrap();
        assert_ne!(
            a.expose_secret(),
            generate_mnemonic(12).unwrap().expose_secret()
        );
        assert!(matches!(
            generate_mnemonic(13),
            Err(KeyError::BadWordCount(13))
        ));
    }

    #[test]
    fn typos_are_named_precisely() {
        let typo =
            SecretString::from("test test test tset test test test test test test test junk");
        match validate_mnemonic(&typo) {
            Err(KeyError::UnknownWord { position }) => assert_eq!(position, 4),
            other => panic!("expected UnknownWord, got {other:?}"),
        }
        let swapped =
            SecretString::from("junk test test test test test test test test test test test");
        assert!(matches!(
            validate_mnemonic(&swapped),
            Err(KeyError::BadChecksum)
        ));
        let short = SecretString::from("test test test");
        assert!(matches!(
            validate_mnemonic(&short),
            Err(KeyError::BadWordCount(3))
        ));
        let messy =
            SecretString::from("  TEST test\ttest test test test test test test test test junk ");
        assert_eq!(validate_mnemonic(&messy).unwrap().expose_secret(), ANVIL);
    }

    #[test]
    fn a_key_is_a_key_with_or_without_0x_and_no_error_repeats_what_was_typed() {
        let key = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
        assert!(looks_like_private_key(key));
        assert!(looks_like_private_key(&format!("0x{key}")));
        assert!(looks_like_private_key(&format!("  0X{key}\n")));
        assert!(!looks_like_private_key(&key[1..]));
        assert!(!looks_like_private_key(&format!("{}g", &key[1..])));
        let bare = parse_private_key(&SecretString::from(key)).unwrap();
        let prefixed = parse_private_key(&SecretString::from(format!("0x{key}"))).unwrap();
        assert_eq!(bare.address(), prefixed.address());
        // One digit short is no key: taken as a phrase, its error names the position only.
        let err = validate_mnemonic(&SecretString::from(&key[1..])).unwrap_err();
        assert!(matches!(err, KeyError::UnknownWord { position: 1 }));
        assert!(!err.to_string().contains(&key[1..9]), "{err}");
        let err = validate_mnemonic(&SecretString::from(
            "legal winner thank year wave sausage worth useful legal winner thank yelow",
        ))
        .unwrap_err();
        assert!(!err.to_string().contains("yelow"), "{err}");
    }
}

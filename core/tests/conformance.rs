//! Conformance against published vectors: BIP-39 (Trezor's English set) and BIP-32 vectors 1–2,
//! through the code Cairn derives keys with (bip39 for phrases, alloy's coins-bip32/39 for
//! seeds and derivation), and Cairn's own `keys` functions on top of them.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cairn_core::keys;
use coins_bip32::enc::{MainnetEncoder, XKeyEncoder};
use coins_bip32::primitives::Hint;
use coins_bip32::xkeys::XPriv;
use coins_bip39::{English, Mnemonic};
use secrecy::SecretString;
use serde::Deserialize;

#[derive(Deserialize)]
struct Bip39Vector {
    entropy: String,
    mnemonic: String,
    seed: String,
    xprv: String,
}

#[derive(Deserialize)]
struct Bip32File {
    vectors: Vec<Bip32Vector>,
}

#[derive(Deserialize)]
struct Bip32Vector {
    seed: String,
    chains: Vec<Bip32Chain>,
}

#[derive(Deserialize)]
struct Bip32Chain {
    path: String,
    xpub: String,
    xprv: String,
}

fn bip39_vectors() -> Vec<Bip39Vector> {
    serde_json::from_str(include_str!("vectors/bip39_trezor_english.json")).unwrap()
}

#[test]
fn bip39_trezor_vectors() {
    let vectors = bip39_vectors();
    assert_eq!(vectors.len(), 24);
    for v in &vectors {
        // Entropy → words: the path `keys::generate_mnemonic` takes with OS entropy.
        let entropy = hex::decode(&v.entropy).unwrap();
        assert_eq!(
            bip39::Mnemonic::from_entropy(&entropy).unwrap().to_string(),
            v.mnemonic
        );
        // The words pass Cairn's validation unchanged.
        let phrase = SecretString::from(v.mnemonic.clone());
        let validated = keys::validate_mnemonic(&phrase).unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&validated), v.mnemonic);
        // Words + passphrase → seed → master key, as alloy derives them.
        let seed = Mnemonic::<English>::new_from_phrase(&v.mnemonic)
            .unwrap()
            .to_seed(Some("TREZOR"))
            .unwrap();
        assert_eq!(hex::encode(seed), v.seed, "seed of {}", v.mnemonic);
        let master = XPriv::root_from_seed(&seed, Some(Hint::Legacy)).unwrap();
        assert_eq!(MainnetEncoder::xpriv_to_base58(&master).unwrap(), v.xprv);
        // Cairn's account derivation is that master key's m/44'/60'/0'/0/0.
        let expected = master.derive_path("m/44'/60'/0'/0/0").unwrap();
        let ours = keys::derive_signer(&phrase, Some(&SecretString::from("TREZOR")), 0).unwrap();
        let key: &coins_bip32::ecdsa::SigningKey = expected.as_ref();
        assert_eq!(ours.to_bytes().0, <[u8; 32]>::from(key.to_bytes()));
    }
}

#[test]
fn bip39_vectors_with_one_word_changed_are_refused() {
    for v in bip39_vectors() {
        let mut words: Vec<&str> = v.mnemonic.split(' ').collect();
        let last = words.len() - 1;
        words[last] = if words[last] == "zoo" {
            "abandon"
        } else {
            "zoo"
        };
        let typo = SecretString::from(words.join(" "));
        assert!(
            matches!(
                keys::validate_mnemonic(&typo),
                Err(keys::KeyError::BadChecksum)
            ),
            "{}",
            v.mnemonic
        );
    }
}

#[test]
fn bip32_vectors_1_and_2() {
    let file: Bip32File = serde_json::from_str(include_str!("vectors/bip32.json")).unwrap();
    assert_eq!(file.vectors.len(), 2);
    for vector in &file.vectors {
        let seed = hex::decode(&vector.seed).unwrap();
        let master = XPriv::root_from_seed(&seed, Some(Hint::Legacy)).unwrap();
        assert_eq!(vector.chains.len(), 6);
        for chain in &vector.chains {
            let key = if chain.path == "m" {
                master.clone()
            } else {
                master.derive_path(chain.path.as_str()).unwrap()
            };
            assert_eq!(
                MainnetEncoder::xpriv_to_base58(&key).unwrap(),
                chain.xprv,
                "xprv at {}",
                chain.path
            );
            assert_eq!(
                MainnetEncoder::xpub_to_base58(&key.verify_key()).unwrap(),
                chain.xpub,
                "xpub at {}",
                chain.path
            );
        }
    }
}

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

/// From the published Japanese BIP-39 vectors (bip32JP, test_JP_BIP39.json): the phrases use
/// ideographic spaces and the passphrase compatibility characters (㍍, half-width kana), so
/// only NFKD on both gives the published seed and master key.
const JP_SALT: &str = "㍍ガバヴァぱばぐゞちぢ十人十色";
const JP_VECTORS: [(&str, &str, &str); 3] = [
    (
        "あい　あい　あい　あい　あい　あい　あい　あい　あい　あい　あい　あお",
        "1ff80dd485191668ebd554f7b87be1edb936d25d55a281b853c3afc250673b50cca471a12bc1a202b7316a2adb4937cd0b9aed1238e7636f4ccf86427a17d743",
        "xprv9s21ZrQH143K3Ed9Hum6Q3qgSRX45BZxedhat1a81hTFjkkV1PLpmuxzFmVP98uCx77x3MorsBB5i41kn6Yq7gSbiCSKWj4KijNruLKgY7C",
    ),
    (
        "そむりえ　えり　あせ　けいれき　むさぼる　ちぬり　ほきょう　きふく　てはい　あに　せんし　きおち",
        "44cfebbfbb15626b777acac82572baed7d3b34af6b43c47be3eb9f074cb0d14deeb5301a24a895e3fbb13edfbb1e95e28795bee85d36825c925edd5663ee69f0",
        "xprv9s21ZrQH143K37wSLFsBFFn9w39NkWPCoBi8S3MwFEatD7AgH4zg1hXNp7ZmS3rt8KCavfZtUBGXfbQGtRpEi2xAQmAU2LiGFQsEeMpTs11",
    ),
    (
        "くわしい　げこう　ゆたか　ほんしつ　むりょう　くむ　よめ　せんもん　とのさま　すべて　にんしき　はさん　ていたい　せんち　よてい　こうかん　むやみ　ほせい　そもそも　ごび　にっしょく　にんち　ちてん　へきが",
        "fb63b3262006c34a22c52f8237372e296cd7a5fad9134c55631e37acb0ab6eeb3e3872d86041f91fb0afb710d077bebfead02e49e424a03bfde6ab5922ecd877",
        "xprv9s21ZrQH143K2rKqAVpgEpYd7vj6SqZRnPh2v78RqzfyFhhG9n9NBLvshrmAA66A2sc9sHeUBtowSV7iWCBY6jnDXdgG64jmxu1neSN2mLX",
    ),
];

#[test]
fn bip39_japanese_vectors_need_nfkd_and_get_it() {
    for (phrase, seed, xprv) in JP_VECTORS {
        let ours = keys::bip39_seed(phrase, JP_SALT);
        assert_eq!(hex::encode(&ours[..]), seed, "{phrase}");
        let master = XPriv::root_from_seed(&ours[..], Some(Hint::Legacy)).unwrap();
        assert_eq!(MainnetEncoder::xpriv_to_base58(&master).unwrap(), xprv);
    }
    // The same salt left as typed (not NFKD) gives another seed: the test can fail.
    let raw = Mnemonic::<English>::new_from_phrase(&bip39_vectors()[0].mnemonic)
        .unwrap()
        .to_seed(Some(JP_SALT))
        .unwrap();
    let normalised = keys::bip39_seed(&bip39_vectors()[0].mnemonic, JP_SALT);
    assert_ne!(raw.as_slice(), &normalised[..]);
}

#[test]
fn a_passphrase_is_the_same_secret_however_its_accents_were_typed() {
    let v = &bip39_vectors()[0];
    let phrase = SecretString::from(v.mnemonic.clone());
    // "Café" precomposed (NFC, as macOS and most keyboards give it) and decomposed (NFD).
    let nfc = SecretString::from("Caf\u{e9} ㍍");
    let nfd = SecretString::from("Cafe\u{301} ㍍");
    let a = keys::derive_signer(&phrase, Some(&nfc), 0).unwrap();
    let b = keys::derive_signer(&phrase, Some(&nfd), 0).unwrap();
    assert_eq!(a.address(), b.address());
    // And it is the account of BIP-39's seed for the NFKD passphrase.
    let seed = keys::bip39_seed(&v.mnemonic, "Caf\u{e9} ㍍");
    let expected = XPriv::root_from_seed(&seed[..], Some(Hint::Legacy))
        .unwrap()
        .derive_path("m/44'/60'/0'/0/0")
        .unwrap();
    let key: &coins_bip32::ecdsa::SigningKey = expected.as_ref();
    assert_eq!(a.to_bytes().0, <[u8; 32]>::from(key.to_bytes()));
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
    // Cairn's own derivation (`keys::derive_from_seed`, which `derive_signer` uses after the
    // BIP-39 seed) against the published extended keys, decoded here only as the oracle.
    let file: Bip32File = serde_json::from_str(include_str!("vectors/bip32.json")).unwrap();
    assert_eq!(file.vectors.len(), 2);
    for vector in &file.vectors {
        let seed = hex::decode(&vector.seed).unwrap();
        assert_eq!(vector.chains.len(), 6);
        for chain in &vector.chains {
            let ours = keys::derive_from_seed(&seed, &chain.path).unwrap();
            let xprv = MainnetEncoder::xpriv_from_base58(&chain.xprv).unwrap();
            let expected: &coins_bip32::ecdsa::SigningKey = xprv.as_ref();
            assert_eq!(
                ours.credential().to_bytes(),
                expected.to_bytes(),
                "private key at {}",
                chain.path
            );
            let xpub = MainnetEncoder::xpub_from_base58(&chain.xpub).unwrap();
            let expected: &coins_bip32::ecdsa::VerifyingKey = xpub.as_ref();
            assert_eq!(
                ours.credential()
                    .verifying_key()
                    .to_encoded_point(true)
                    .as_bytes(),
                expected.to_encoded_point(true).as_bytes(),
                "public key at {}",
                chain.path
            );
        }
    }
}

/// EIP-55's published examples (all caps, all lower, mixed), through Cairn's one parser and
/// formatter: each is its own checksummed form, and any case of it parses to the same address.
#[test]
fn eip55_vectors_round_trip() {
    use cairn_core::units::{format_address, parse_address};
    const EIP55: [&str; 8] = [
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];
    for text in EIP55 {
        let address = parse_address(text).unwrap();
        assert_eq!(format_address(&address), text);
        assert_eq!(parse_address(&text.to_lowercase()).unwrap(), address);
        assert_eq!(
            parse_address(&format!("0x{}", text[2..].to_uppercase())).unwrap(),
            address
        );
    }
}

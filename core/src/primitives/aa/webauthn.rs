//! WebAuthn assertions as Safe's passkey signers check them (`@safe-global/safe-passkey`'s
//! `WebAuthn.sol`): the contract rebuilds the client data JSON as
//! `{"type":"webauthn.get","challenge":"<base64url of the 32-byte hash>",<fields>}`, hashes
//! `authenticatorData ‖ sha256(clientDataJSON)` and verifies the P-256 signature over it. So an
//! assertion is turned into `abi.encode(authenticatorData, fields, r, s)` only after checking
//! here what the contract would otherwise reject without saying why: the type, the challenge,
//! the JSON's shape, the user-presence and user-verification flags, the DER signature.

use alloy::primitives::aliases::U176;
use alloy::primitives::{address, Address, B256, U256};
use alloy::sol_types::{SolCall, SolValue};

mod abi {
    alloy::sol! {
        function isValidSignatureForSigner(bytes32 message, bytes signature, uint256 x, uint256 y, uint176 verifiers) returns (bytes4);
        function getSigner(uint256 x, uint256 y, uint176 verifiers) returns (address);
        function createSigner(uint256 x, uint256 y, uint176 verifiers) returns (address);
        struct SignerConfig { uint256 x; uint256 y; uint176 verifiers; }
        function configure(SignerConfig signer);
    }
}

/// Where chains that have it (RIP-7212 / EIP-7951) verify P-256 signatures natively.
pub const P256_PRECOMPILE: Address = address!("0000000000000000000000000000000000000100");

/// ERC-1271's "valid" answer.
pub const MAGIC_VALUE: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

/// A passkey's public key and how the contracts verify it: Safe's `P256.Verifiers`, the
/// precompile's address in the high bits and a Solidity verifier's in the low 160 (tried when
/// the precompile is missing or answers nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasskeyKey {
    pub x: U256,
    pub y: U256,
    pub precompile: Option<Address>,
    pub fallback: Address,
}

impl PasskeyKey {
    pub fn verifiers(&self) -> U176 {
        let high = self
            .precompile
            .map(|p| U176::from_be_slice(p.as_slice()) << 160)
            .unwrap_or(U176::ZERO);
        high | U176::from_be_slice(self.fallback.as_slice())
    }

    /// `SafeWebAuthnSignerFactory.isValidSignatureForSigner(message, signature, x, y,
    /// verifiers)`: the contracts' own check, answered [`MAGIC_VALUE`] when it holds.
    pub fn is_valid_signature_for_signer_call(&self, message: B256, signature: &[u8]) -> Vec<u8> {
        abi::isValidSignatureForSignerCall {
            message,
            signature: signature.to_vec().into(),
            x: self.x,
            y: self.y,
            verifiers: self.verifiers(),
        }
        .abi_encode()
    }

    /// `SafeWebAuthnSignerFactory.getSigner(x, y, verifiers)`: where this key's signer proxy
    /// is (or will be).
    pub fn get_signer_call(&self) -> Vec<u8> {
        abi::getSignerCall {
            x: self.x,
            y: self.y,
            verifiers: self.verifiers(),
        }
        .abi_encode()
    }

    /// `SafeWebAuthnSignerFactory.createSigner(x, y, verifiers)`.
    pub fn create_signer_call(&self) -> Vec<u8> {
        abi::createSignerCall {
            x: self.x,
            y: self.y,
            verifiers: self.verifiers(),
        }
        .abi_encode()
    }

    /// `SafeWebAuthnSharedSigner.configure(...)`, delegatecalled by a Safe's setup so the
    /// shared signer (its owner) answers for this key.
    pub fn configure_call(&self) -> Vec<u8> {
        abi::configureCall {
            signer: abi::SignerConfig {
                x: self.x,
                y: self.y,
                verifiers: self.verifiers(),
            },
        }
        .abi_encode()
    }
}

/// Why an assertion cannot become a Safe signature.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebAuthnError {
    #[error("the client data is not a WebAuthn assertion (`webauthn.get`) in the order the standard serializes it")]
    NotAnAssertion,
    #[error("the assertion signs another challenge than this operation's")]
    WrongChallenge,
    #[error("the client data JSON does not end its fields with `}}`")]
    Shape,
    #[error("the authenticator data is {0} bytes; at least 37 are required")]
    AuthenticatorData(usize),
    #[error("the authenticator did not verify the user (flags {0:#04x}: user present and verified are both required)")]
    NotVerified(u8),
    #[error("the signature is not a DER-encoded P-256 signature: {0}")]
    Der(&'static str),
    #[error("the authenticator's new credential does not hold: {0}")]
    Attestation(&'static str),
    #[error("the authenticator made the credential for another relying party")]
    WrongRelyingParty,
}

pub type Result<T, E = WebAuthnError> = std::result::Result<T, E>;

/// Authenticator data flags (WebAuthn §6.1): the user was present, the user was verified.
pub const USER_PRESENT: u8 = 0x01;
pub const USER_VERIFIED: u8 = 0x04;

/// The order of P-256's group (a signature's `s` above half of it has a twin below).
pub const P256_N: U256 = U256::from_be_bytes([
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
]);

/// What the contract writes before the challenge.
const PREFIX: &str = r#"{"type":"webauthn.get","challenge":""#;

/// base64url without padding (RFC 4648 §5), as WebAuthn encodes the challenge.
pub fn base64url(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for k in 0..=chunk.len() {
            out.push(char::from(TABLE[((n >> (18 - 6 * k)) & 63) as usize]));
        }
    }
    out
}

/// base64url without padding back to bytes (`None` for any other character): the ledger keeps
/// credential ids this way.
pub fn from_base64url(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// The client data's fields after the challenge, as the contract takes them: the JSON must be
/// exactly `PREFIX + base64url(challenge) + "\"," + fields + "}"`.
pub fn client_data_fields(client_data_json: &[u8], challenge: B256) -> Result<String> {
    let json = std::str::from_utf8(client_data_json).map_err(|_| WebAuthnError::NotAnAssertion)?;
    let rest = json
        .strip_prefix(PREFIX)
        .ok_or(WebAuthnError::NotAnAssertion)?;
    let encoded = base64url(challenge.as_slice());
    let rest = rest
        .strip_prefix(encoded.as_str())
        .and_then(|r| r.strip_prefix("\","))
        .ok_or(WebAuthnError::WrongChallenge)?;
    let fields = rest.strip_suffix('}').ok_or(WebAuthnError::Shape)?;
    if fields.is_empty() {
        return Err(WebAuthnError::Shape);
    }
    Ok(fields.to_string())
}

/// The user-present and user-verified flags of the authenticator data (byte 32), both required:
/// Safe's signers demand user verification, and an assertion without presence was not asked of
/// a person.
pub fn check_flags(authenticator_data: &[u8]) -> Result<()> {
    if authenticator_data.len() < 37 {
        return Err(WebAuthnError::AuthenticatorData(authenticator_data.len()));
    }
    let flags = authenticator_data[32];
    if flags & (USER_PRESENT | USER_VERIFIED) != USER_PRESENT | USER_VERIFIED {
        return Err(WebAuthnError::NotVerified(flags));
    }
    Ok(())
}

/// `r` and `s` of a DER `SEQUENCE { INTEGER r, INTEGER s }`, strictly: minimal lengths, no
/// negative or over-long integers, nothing after it; each in `1..n`.
pub fn der_to_rs(der: &[u8]) -> Result<(U256, U256)> {
    let body = match der {
        [0x30, len, body @ ..] if usize::from(*len) == body.len() && *len < 0x80 => body,
        [0x30, ..] => return Err(WebAuthnError::Der("the sequence's length does not match")),
        _ => return Err(WebAuthnError::Der("not a sequence")),
    };
    let (r, rest) = der_integer(body)?;
    let (s, rest) = der_integer(rest)?;
    if !rest.is_empty() {
        return Err(WebAuthnError::Der("bytes after the signature"));
    }
    Ok((r, s))
}

fn der_integer(input: &[u8]) -> Result<(U256, &[u8])> {
    let [0x02, len, rest @ ..] = input else {
        return Err(WebAuthnError::Der("not an integer"));
    };
    let len = usize::from(*len);
    if len == 0 || len > 33 || rest.len() < len {
        return Err(WebAuthnError::Der("an integer of the wrong length"));
    }
    let (digits, rest) = rest.split_at(len);
    if digits[0] & 0x80 != 0 {
        return Err(WebAuthnError::Der("a negative integer"));
    }
    // Minimal: a leading zero only where the next byte's high bit needs it.
    if digits.len() > 1 && digits[0] == 0 && digits[1] & 0x80 == 0 {
        return Err(WebAuthnError::Der(
            "an integer with a needless leading zero",
        ));
    }
    let digits = if digits.len() == 33 {
        &digits[1..]
    } else {
        digits
    };
    let value = U256::from_be_slice(digits);
    if value.is_zero() || value >= P256_N {
        return Err(WebAuthnError::Der("an integer outside 1..n"));
    }
    Ok((value, rest))
}

/// The low-`s` twin of a signature (`s` and `n - s` both verify): one canonical form, for
/// verifiers that refuse malleable signatures.
pub fn low_s(s: U256) -> U256 {
    if s > P256_N >> 1 {
        P256_N - s
    } else {
        s
    }
}

/// An assertion as the Safe passkey signers take it:
/// `abi.encode(bytes authenticatorData, string clientDataFields, uint256 r, uint256 s)`, after
/// the checks above against `challenge` (the hash the Safe asks the signer about).
pub fn safe_signature(
    challenge: B256,
    authenticator_data: &[u8],
    client_data_json: &[u8],
    der_signature: &[u8],
) -> Result<Vec<u8>> {
    let fields = client_data_fields(client_data_json, challenge)?;
    check_flags(authenticator_data)?;
    let (r, s) = der_to_rs(der_signature)?;
    Ok((
        alloy::primitives::Bytes::copy_from_slice(authenticator_data),
        fields,
        r,
        low_s(s),
    )
        .abi_encode_params())
}

/// The bytes the authenticator signed: `authenticatorData ‖ sha256(clientDataJSON)` (verifiers
/// hash this once more with SHA-256).
pub fn signed_bytes(authenticator_data: &[u8], client_data_json: &[u8]) -> Vec<u8> {
    let hash = ring::digest::digest(&ring::digest::SHA256, client_data_json);
    [authenticator_data, hash.as_ref()].concat()
}

/// Whether `(r, s)` is a valid signature of the assertion by the public key `(x, y)` — the
/// check the contract makes, done here first so a bad assertion never costs a user operation.
pub fn verify(
    x: U256,
    y: U256,
    authenticator_data: &[u8],
    client_data_json: &[u8],
    r: U256,
    s: U256,
) -> bool {
    let mut point = vec![0x04];
    point.extend_from_slice(&x.to_be_bytes::<32>());
    point.extend_from_slice(&y.to_be_bytes::<32>());
    let mut sig = r.to_be_bytes::<32>().to_vec();
    sig.extend_from_slice(&s.to_be_bytes::<32>());
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, point)
        .verify(&signed_bytes(authenticator_data, client_data_json), &sig)
        .is_ok()
}

/// A new credential as an authenticator's `attestationObject` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub credential_id: Vec<u8>,
    pub x: U256,
    pub y: U256,
}

/// Flag of authenticator data: attested credential data follows the counter.
const ATTESTED: u8 = 0x40;

/// The most an attestation object may hold: a credential id is at most 1023 bytes, a P-256 key
/// under 100, a certificate chain a few KiB.
const MAX_ATTESTATION: usize = 16 * 1024;

/// The credential an authenticator made (`navigator.credentials.create`'s `attestationObject`,
/// CBOR): made for `rp_id` (its hash first in the authenticator data), the user present and
/// verified, an ES256 P-256 key (COSE kty 2, alg -7, crv 1). The attestation statement is not
/// checked — Cairn trusts no vendor's certificate; what it trusts is that the key then signs a
/// fresh challenge (see `passkeys`), which nothing here can fake.
pub fn registration(attestation_object: &[u8], rp_id: &str) -> Result<Registration> {
    use ciborium::value::Value;
    let bad = WebAuthnError::Attestation;
    if attestation_object.len() > MAX_ATTESTATION {
        return Err(bad("larger than any credential"));
    }
    let top: Value = ciborium::from_reader(attestation_object).map_err(|_| bad("not CBOR"))?;
    let auth_data = top
        .as_map()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.as_text() == Some("authData"))
                .and_then(|(_, v)| v.as_bytes())
        })
        .ok_or(bad("no authenticator data"))?;
    // rpIdHash (32) · flags (1) · counter (4) · AAGUID (16) · id length (2) · id · COSE key
    if auth_data.len() < 55 {
        return Err(bad("authenticator data too short"));
    }
    let rp_hash = ring::digest::digest(&ring::digest::SHA256, rp_id.as_bytes());
    if auth_data[..32] != *rp_hash.as_ref() {
        return Err(WebAuthnError::WrongRelyingParty);
    }
    let flags = auth_data[32];
    if flags & (USER_PRESENT | USER_VERIFIED) != USER_PRESENT | USER_VERIFIED {
        return Err(WebAuthnError::NotVerified(flags));
    }
    if flags & ATTESTED == 0 {
        return Err(bad("no attested credential data"));
    }
    let id_len = usize::from(u16::from_be_bytes([auth_data[53], auth_data[54]]));
    if id_len == 0 || id_len > 1023 {
        return Err(bad("credential id length"));
    }
    let credential_id = auth_data
        .get(55..55 + id_len)
        .ok_or(bad("credential id cut short"))?
        .to_vec();
    let key: Value = ciborium::from_reader(&auth_data[55 + id_len..])
        .map_err(|_| bad("the public key is not CBOR"))?;
    let key = key
        .as_map()
        .ok_or(bad("the public key is not a COSE key"))?;
    let param = |label: i64| {
        key.iter()
            .find(|(k, _)| k.as_integer() == Some(label.into()))
            .map(|(_, v)| v)
    };
    let int = |label: i64| param(label).and_then(|v| v.as_integer()).map(i128::from);
    if int(1) != Some(2) || int(3) != Some(-7) || int(-1) != Some(1) {
        return Err(bad("not an ES256 P-256 key"));
    }
    let coordinate = |label: i64| {
        param(label)
            .and_then(|v| v.as_bytes())
            .filter(|b| b.len() == 32)
            .map(|b| U256::from_be_slice(b))
            .ok_or(bad("a coordinate of the key"))
    };
    Ok(Registration {
        credential_id,
        x: coordinate(-2)?,
        y: coordinate(-3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

    /// A P-256 key (ring's), as a platform authenticator holds one.
    fn key() -> EcdsaKeyPair {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap()
    }

    fn xy(k: &EcdsaKeyPair) -> (U256, U256) {
        let p = k.public_key().as_ref();
        (
            U256::from_be_slice(&p[1..33]),
            U256::from_be_slice(&p[33..65]),
        )
    }

    fn auth_data(flags: u8) -> Vec<u8> {
        let mut d = ring::digest::digest(&ring::digest::SHA256, b"cairn.app")
            .as_ref()
            .to_vec();
        d.push(flags);
        d.extend_from_slice(&7u32.to_be_bytes());
        d
    }

    fn client_data(challenge: B256) -> Vec<u8> {
        format!(
            r#"{PREFIX}{}","origin":"https://cairn.app","crossOrigin":false}}"#,
            base64url(challenge.as_slice())
        )
        .into_bytes()
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        // RFC 4648 §10, without padding, and the URL alphabet's two characters.
        for (input, out) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(input.as_bytes()), out);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url(&[0u8; 32]).len(), 43);
        for bytes in [
            vec![],
            vec![0xfb],
            vec![0xfb, 0xff],
            vec![1, 2, 3, 4, 5, 6, 7],
        ] {
            assert_eq!(from_base64url(&base64url(&bytes)), Some(bytes));
        }
        assert_eq!(from_base64url("not base64!"), None);
    }

    #[test]
    fn an_authentic_assertion_becomes_the_safe_signature_and_verifies() {
        let k = key();
        let challenge = B256::repeat_byte(0x42);
        let (data, json) = (auth_data(0x05), client_data(challenge));
        let rng = ring::rand::SystemRandom::new();
        let der = k.sign(&rng, &signed_bytes(&data, &json)).unwrap();
        let encoded = safe_signature(challenge, &data, &json, der.as_ref()).unwrap();
        let (d, fields, r, s) =
            <(alloy::primitives::Bytes, String, U256, U256)>::abi_decode_params(&encoded).unwrap();
        assert_eq!(d.as_ref(), data.as_slice());
        assert_eq!(
            fields,
            r#""origin":"https://cairn.app","crossOrigin":false"#
        );
        assert!(s <= P256_N >> 1, "low s");
        let (x, y) = xy(&k);
        assert!(verify(x, y, &data, &json, r, s));
        // The contract's own rebuilding of the JSON gives back the bytes that were signed.
        let rebuilt = format!("{PREFIX}{}\",{fields}}}", base64url(challenge.as_slice()));
        assert_eq!(rebuilt.as_bytes(), json.as_slice());
        // Its high-s twin verifies too (the precompile allows both); a tampered one does not.
        assert!(verify(x, y, &data, &json, r, P256_N - s));
        let mut tampered = data.clone();
        tampered[36] ^= 1;
        assert!(!verify(x, y, &tampered, &json, r, s));
    }

    #[test]
    fn wrong_type_challenge_shape_and_flags_are_refused() {
        let challenge = B256::repeat_byte(1);
        let json = client_data(challenge);
        let create = String::from_utf8(json.clone())
            .unwrap()
            .replace("webauthn.get", "webauthn.create");
        assert_eq!(
            client_data_fields(create.as_bytes(), challenge),
            Err(WebAuthnError::NotAnAssertion)
        );
        assert_eq!(
            client_data_fields(&json, B256::repeat_byte(2)),
            Err(WebAuthnError::WrongChallenge)
        );
        let reordered = format!(
            r#"{{"challenge":"{}","type":"webauthn.get","origin":"x"}}"#,
            base64url(challenge.as_slice())
        );
        assert_eq!(
            client_data_fields(reordered.as_bytes(), challenge),
            Err(WebAuthnError::NotAnAssertion)
        );
        let cut = &json[..json.len() - 1];
        assert_eq!(
            client_data_fields(cut, challenge),
            Err(WebAuthnError::Shape)
        );
        assert_eq!(
            check_flags(&auth_data(0x01)),
            Err(WebAuthnError::NotVerified(0x01))
        );
        assert_eq!(
            check_flags(&auth_data(0x04)),
            Err(WebAuthnError::NotVerified(0x04))
        );
        assert_eq!(check_flags(&auth_data(0x45)), Ok(()));
        assert_eq!(
            check_flags(&[0; 36]),
            Err(WebAuthnError::AuthenticatorData(36))
        );
    }

    #[test]
    fn der_is_read_strictly() {
        // Short integers (a leading byte below 0x80 with fewer than 32 bytes) are fine.
        assert_eq!(
            der_to_rs(&[0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07]),
            Ok((U256::from(5u8), U256::from(7u8)))
        );
        // A 33-byte integer with its sign byte.
        let mut long = vec![0x30, 0x26, 0x02, 0x21, 0x00, 0x80];
        long.extend_from_slice(&[0u8; 31]);
        long.extend_from_slice(&[0x02, 0x01, 0x01]);
        assert_eq!(der_to_rs(&long).map(|(_, s)| s), Ok(U256::from(1u8)));
        for (bad, why) in [
            (
                vec![0x31, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07],
                "not a sequence",
            ),
            (
                vec![0x30, 0x07, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07],
                "length",
            ),
            (
                vec![0x30, 0x06, 0x02, 0x01, 0x85, 0x02, 0x01, 0x07],
                "negative",
            ),
            (
                vec![0x30, 0x07, 0x02, 0x02, 0x00, 0x05, 0x02, 0x01, 0x07],
                "leading zero",
            ),
            (vec![0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x07], "zero"),
            (
                vec![0x30, 0x08, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07, 0x00, 0x00],
                "trailing",
            ),
        ] {
            assert!(der_to_rs(&bad).is_err(), "{why}");
        }
        let mut n = vec![0x30, 0x26, 0x02, 0x21, 0x00];
        n.extend_from_slice(&P256_N.to_be_bytes::<32>());
        n.extend_from_slice(&[0x02, 0x01, 0x01]);
        assert!(der_to_rs(&n).is_err(), "r = n");
    }

    #[test]
    fn verifiers_pack_the_precompile_above_the_fallback() {
        let fallback = address!("1bfd4a3f042118e2b4c62e6cc093e60e6ca40e01");
        let key = PasskeyKey {
            x: U256::from(1u8),
            y: U256::from(2u8),
            precompile: Some(P256_PRECOMPILE),
            fallback,
        };
        let v = key.verifiers().to_be_bytes::<22>();
        assert_eq!(&v[..2], &[0x01, 0x00]);
        assert_eq!(&v[2..], fallback.as_slice());
        let no_precompile = PasskeyKey {
            precompile: None,
            ..key
        };
        assert_eq!(&no_precompile.verifiers().to_be_bytes::<22>()[..2], &[0, 0]);
    }

    /// An attestation object as an authenticator answers `create`: "none" attestation, the
    /// authenticator data with the attested credential, the key as COSE.
    fn attestation(
        flags: u8,
        rp: &str,
        id: &[u8],
        cose: &[(i64, ciborium::value::Value)],
    ) -> Vec<u8> {
        use ciborium::value::Value;
        let mut d = ring::digest::digest(&ring::digest::SHA256, rp.as_bytes())
            .as_ref()
            .to_vec();
        d.push(flags);
        d.extend_from_slice(&0u32.to_be_bytes());
        d.extend_from_slice(&[0u8; 16]);
        d.extend_from_slice(&(id.len() as u16).to_be_bytes());
        d.extend_from_slice(id);
        let key = Value::Map(
            cose.iter()
                .map(|(l, v)| (Value::Integer((*l).into()), v.clone()))
                .collect(),
        );
        ciborium::into_writer(&key, &mut d).unwrap();
        let top = Value::Map(vec![
            (Value::Text("fmt".into()), Value::Text("none".into())),
            (Value::Text("attStmt".into()), Value::Map(vec![])),
            (Value::Text("authData".into()), Value::Bytes(d)),
        ]);
        let mut out = Vec::new();
        ciborium::into_writer(&top, &mut out).unwrap();
        out
    }

    fn es256(x: U256, y: U256) -> Vec<(i64, ciborium::value::Value)> {
        use ciborium::value::Value;
        vec![
            (1, Value::Integer(2.into())),
            (3, Value::Integer((-7).into())),
            (-1, Value::Integer(1.into())),
            (-2, Value::Bytes(x.to_be_bytes::<32>().to_vec())),
            (-3, Value::Bytes(y.to_be_bytes::<32>().to_vec())),
        ]
    }

    #[test]
    fn a_new_credential_is_read_from_its_attestation_and_checked() {
        let k = key();
        let (x, y) = xy(&k);
        let id = [0xc4u8; 20];
        let flags = USER_PRESENT | USER_VERIFIED | ATTESTED;
        let made = registration(
            &attestation(flags, "cairn.app", &id, &es256(x, y)),
            "cairn.app",
        )
        .unwrap();
        assert_eq!(
            made,
            Registration {
                credential_id: id.to_vec(),
                x,
                y
            }
        );
        // Made for another site, or without the user verified, or without the credential.
        assert_eq!(
            registration(
                &attestation(flags, "evil.example", &id, &es256(x, y)),
                "cairn.app"
            ),
            Err(WebAuthnError::WrongRelyingParty)
        );
        assert_eq!(
            registration(
                &attestation(USER_PRESENT | ATTESTED, "cairn.app", &id, &es256(x, y)),
                "cairn.app"
            ),
            Err(WebAuthnError::NotVerified(USER_PRESENT | ATTESTED))
        );
        assert!(matches!(
            registration(
                &attestation(USER_PRESENT | USER_VERIFIED, "cairn.app", &id, &es256(x, y)),
                "cairn.app"
            ),
            Err(WebAuthnError::Attestation(_))
        ));
        // Another algorithm (EdDSA), a short coordinate, no id, no CBOR at all.
        let mut eddsa = es256(x, y);
        eddsa[1].1 = ciborium::value::Value::Integer((-8).into());
        let mut short = es256(x, y);
        short[3].1 = ciborium::value::Value::Bytes(vec![1; 31]);
        for bad in [
            attestation(flags, "cairn.app", &id, &eddsa),
            attestation(flags, "cairn.app", &id, &short),
            attestation(flags, "cairn.app", &[], &es256(x, y)),
            b"not cbor".to_vec(),
            vec![0u8; MAX_ATTESTATION + 1],
        ] {
            assert!(
                matches!(
                    registration(&bad, "cairn.app"),
                    Err(WebAuthnError::Attestation(_))
                ),
                "{:?}",
                registration(&bad, "cairn.app")
            );
        }
        // Cut anywhere, it is refused, never a panic.
        let whole = attestation(flags, "cairn.app", &id, &es256(x, y));
        for end in 0..whole.len() {
            assert!(registration(&whole[..end], "cairn.app").is_err());
        }
    }

    proptest! {
        #[test]
        fn registration_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = registration(&bytes, "cairn.app");
        }

        #[test]
        fn der_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = der_to_rs(&bytes);
        }

        #[test]
        fn low_s_is_low_and_a_twin(s in any::<[u8; 32]>()) {
            let s = U256::from_be_bytes(s) % P256_N;
            prop_assume!(!s.is_zero());
            let low = low_s(s);
            prop_assert!(low <= P256_N >> 1);
            prop_assert!(low == s || low == P256_N - s);
        }
    }
}

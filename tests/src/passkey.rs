//! A software authenticator for tests: a P-256 credential whose assertions have the shape a
//! platform authenticator's have (authenticator data with the rp id hash, flags UP|UV and a
//! counter; the client data JSON serialized in the standard's order; a DER ES256 signature).

// A test fixture: a failure to make a key is the test's failure.
#![allow(clippy::unwrap_used)]

use alloy::primitives::{B256, U256};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

/// What an authenticator answers to `navigator.credentials.get`.
#[derive(Debug, Clone)]
pub struct Assertion {
    pub authenticator_data: Vec<u8>,
    pub client_data_json: Vec<u8>,
    /// DER-encoded ECDSA signature over `authenticatorData ‖ sha256(clientDataJSON)`.
    pub signature: Vec<u8>,
}

pub struct SoftPasskey {
    key: EcdsaKeyPair,
    rng: SystemRandom,
    counter: u32,
    pub x: U256,
    pub y: U256,
}

impl std::fmt::Debug for SoftPasskey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftPasskey")
    }
}

impl Default for SoftPasskey {
    fn default() -> Self {
        SoftPasskey::new()
    }
}

impl SoftPasskey {
    pub const RP_ID: &'static str = "cairn.app";

    pub fn new() -> SoftPasskey {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let point = key.public_key().as_ref();
        let (x, y) = (
            U256::from_be_slice(&point[1..33]),
            U256::from_be_slice(&point[33..65]),
        );
        SoftPasskey {
            key,
            rng,
            counter: 0,
            x,
            y,
        }
    }

    /// An assertion over `challenge`, the user present and verified.
    pub fn assert(&mut self, challenge: B256) -> Assertion {
        self.assert_with_flags(challenge, 0x05)
    }

    pub fn assert_with_flags(&mut self, challenge: B256, flags: u8) -> Assertion {
        self.counter += 1;
        let mut authenticator_data =
            ring::digest::digest(&ring::digest::SHA256, Self::RP_ID.as_bytes())
                .as_ref()
                .to_vec();
        authenticator_data.push(flags);
        authenticator_data.extend_from_slice(&self.counter.to_be_bytes());
        let client_data_json = format!(
            r#"{{"type":"webauthn.get","challenge":"{}","origin":"https://{}","crossOrigin":false}}"#,
            cairn_core::primitives::aa::webauthn::base64url(challenge.as_slice()),
            Self::RP_ID
        )
        .into_bytes();
        let signed = cairn_core::primitives::aa::webauthn::signed_bytes(
            &authenticator_data,
            &client_data_json,
        );
        let signature = self.key.sign(&self.rng, &signed).unwrap().as_ref().to_vec();
        Assertion {
            authenticator_data,
            client_data_json,
            signature,
        }
    }
}

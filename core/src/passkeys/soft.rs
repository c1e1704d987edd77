//! A software authenticator for tests and the GUI test's app: 1Password's passkey-rs (a
//! WebAuthn client over a CTAP2 authenticator) holding ES256 credentials for `cairn.app`,
//! asked for assertions the way a browser or platform asks a real one — user verification
//! required. Built only with `test-support` (release builds never carry it), and used by the
//! app and the CLI only when `CAIRN_SOFT_PASSKEYS=1` asks for it. Each `cairn` command is a
//! process of its own, so a CLI test names a file (`CAIRN_SOFT_PASSKEYS_FILE`) where the
//! credentials, private keys included, are kept between commands — a test fixture in a temporary
//! directory, the reason this authenticator never ships.

use alloy::primitives::{B256, U256};
use passkey::authenticator::{
    Authenticator as Ctap2Authenticator, UiHint, UserCheck, UserValidationMethod,
};
use passkey::client::{Client, DefaultClientData};
use passkey::crypto::coset::{cbor::value::Value, iana, CborSerializable, CoseKey, Label};
use passkey::crypto::rust_crypto::RustCryptoBackend;
use passkey::types::ctap2::{Aaguid, AuthenticatorData, Ctap2Error};
use passkey::types::webauthn::*;
use passkey::types::{Bytes, Passkey};
use url::Url;

use super::{Assertion, AuthFuture, Authenticator, NewCredential, RP_ID};

const ORIGIN: &str = "https://cairn.app";

/// The person at the authenticator: present, and verified (a PIN or a fingerprint).
struct Verified;

#[async_trait::async_trait]
impl UserValidationMethod for Verified {
    type PasskeyItem = Passkey;
    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        _presence: bool,
        _verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence: true,
            verification: true,
        })
    }
    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }
    fn is_presence_enabled(&self) -> bool {
        true
    }
}

type SoftClient =
    Client<Option<Passkey>, Verified, RustCryptoBackend, public_suffix::PublicSuffixList, ()>;

pub struct SoftPasskey {
    client: SoftClient,
    origin: Url,
    pub credential_id: Vec<u8>,
    pub x: U256,
    pub y: U256,
    /// What `create` answered (CBOR), for checking the core reads it as a platform's would be
    /// read; empty for a credential read back from a CLI test's file.
    pub attestation_object: Vec<u8>,
}

impl std::fmt::Debug for SoftPasskey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftPasskey")
    }
}

fn coordinate(key: &CoseKey, label: i64) -> Result<U256, String> {
    match key.params.iter().find(|(l, _)| *l == Label::Int(label)) {
        Some((_, Value::Bytes(b))) if b.len() == 32 => Ok(U256::from_be_slice(b)),
        other => Err(format!("COSE key parameter {label}: {other:?}")),
    }
}

/// A credential as a CLI test's file keeps it (hex: the id and the COSE private key).
#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    credential_id: String,
    key: String,
    rp_id: String,
    counter: Option<u32>,
    x: U256,
    y: U256,
}

impl SoftPasskey {
    fn client_with(passkey: Option<Passkey>) -> SoftClient {
        Client::new(Ctap2Authenticator::new(
            Aaguid::new_empty(),
            passkey,
            Verified,
            RustCryptoBackend,
        ))
    }

    fn kept(&self) -> Result<Kept, String> {
        let passkey = self
            .client
            .authenticator()
            .store()
            .clone()
            .ok_or("no credential in the store")?;
        Ok(Kept {
            credential_id: hex::encode(&self.credential_id),
            key: hex::encode(passkey.key.to_vec().map_err(|e| format!("{e:?}"))?),
            rp_id: passkey.rp_id.clone(),
            counter: passkey.counter,
            x: self.x,
            y: self.y,
        })
    }

    fn from_kept(k: &Kept) -> Result<SoftPasskey, String> {
        let credential_id = hex::decode(&k.credential_id).map_err(|e| e.to_string())?;
        let key = CoseKey::from_slice(&hex::decode(&k.key).map_err(|e| e.to_string())?)
            .map_err(|e| format!("{e:?}"))?;
        let passkey = Passkey {
            key,
            credential_id: credential_id.clone().into(),
            rp_id: k.rp_id.clone(),
            user_handle: Some(vec![1u8; 16].into()),
            username: None,
            user_display_name: None,
            counter: k.counter,
            extensions: Default::default(),
        };
        Ok(SoftPasskey {
            client: Self::client_with(Some(passkey)),
            origin: Url::parse(ORIGIN).map_err(|e| e.to_string())?,
            credential_id,
            x: k.x,
            y: k.y,
            attestation_object: Vec::new(),
        })
    }

    /// Registers a new credential (`navigator.credentials.create`), user verification required.
    pub async fn new() -> Result<SoftPasskey, String> {
        let origin = Url::parse(ORIGIN).map_err(|e| e.to_string())?;
        let mut client = Self::client_with(None);
        let request = CredentialCreationOptions {
            public_key: PublicKeyCredentialCreationOptions {
                rp: PublicKeyCredentialRpEntity {
                    id: Some(RP_ID.into()),
                    name: "Cairn".into(),
                },
                user: PublicKeyCredentialUserEntity {
                    id: vec![1u8; 16].into(),
                    display_name: "Cairn".into(),
                    name: "cairn".into(),
                },
                challenge: Bytes::from(vec![0u8; 32]),
                pub_key_cred_params: vec![PublicKeyCredentialParameters {
                    ty: PublicKeyCredentialType::PublicKey,
                    alg: iana::Algorithm::ES256,
                }],
                timeout: None,
                exclude_credentials: None,
                authenticator_selection: Some(AuthenticatorSelectionCriteria {
                    authenticator_attachment: None,
                    resident_key: Some(ResidentKeyRequirement::Required),
                    require_resident_key: true,
                    user_verification: UserVerificationRequirement::Required,
                }),
                hints: None,
                attestation: AttestationConveyancePreference::None,
                attestation_formats: None,
                extensions: None,
            },
        };
        let created = client
            .register(&origin, request, DefaultClientData)
            .await
            .map_err(|e| format!("register: {e:?}"))?;
        let data = AuthenticatorData::from_slice(&created.response.authenticator_data)
            .map_err(|e| format!("authenticator data: {e:?}"))?;
        let attested = data
            .attested_credential_data
            .ok_or("no attested credential data")?;
        Ok(SoftPasskey {
            x: coordinate(&attested.key, -2)?,
            y: coordinate(&attested.key, -3)?,
            credential_id: created.raw_id.to_vec(),
            attestation_object: created.response.attestation_object.to_vec(),
            client,
            origin,
        })
    }

    /// An assertion over `challenge` (`navigator.credentials.get`), the user verified.
    pub async fn assert(&mut self, challenge: B256) -> Result<Assertion, String> {
        let request = CredentialRequestOptions {
            public_key: PublicKeyCredentialRequestOptions {
                challenge: Bytes::from(challenge.to_vec()),
                timeout: None,
                rp_id: Some(RP_ID.into()),
                allow_credentials: Some(vec![PublicKeyCredentialDescriptor {
                    ty: PublicKeyCredentialType::PublicKey,
                    id: self.credential_id.clone().into(),
                    transports: None,
                }]),
                user_verification: UserVerificationRequirement::Required,
                hints: None,
                attestation: AttestationConveyancePreference::None,
                attestation_formats: None,
                extensions: None,
            },
        };
        let answer = self
            .client
            .authenticate(&self.origin, request, DefaultClientData)
            .await
            .map_err(|e| format!("authenticate: {e:?}"))?;
        Ok(Assertion {
            authenticator_data: answer.response.authenticator_data.to_vec(),
            client_data_json: answer.response.client_data_json.to_vec(),
            signature: answer.response.signature.to_vec(),
        })
    }
}

/// The software authenticator behind the core's `Authenticator` interface: each `create` makes a
/// new credential, each `assert` signs with the one asked for.
#[derive(Debug, Default)]
pub struct SoftAuthenticator {
    credentials: tokio::sync::Mutex<Vec<SoftPasskey>>,
    /// Where the credentials are kept between processes (a CLI test's), if anywhere.
    file: Option<std::path::PathBuf>,
}

impl SoftAuthenticator {
    /// An authenticator whose credentials live in `file` (read now, written after each change).
    pub fn kept_in(file: std::path::PathBuf) -> Result<SoftAuthenticator, String> {
        let credentials = match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice::<Vec<Kept>>(&bytes)
                .map_err(|e| e.to_string())?
                .iter()
                .map(SoftPasskey::from_kept)
                .collect::<Result<_, _>>()?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.to_string()),
        };
        Ok(SoftAuthenticator {
            credentials: tokio::sync::Mutex::new(credentials),
            file: Some(file),
        })
    }

    fn keep(&self, all: &[SoftPasskey]) -> Result<(), String> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let kept = all
            .iter()
            .map(SoftPasskey::kept)
            .collect::<Result<Vec<_>, _>>()?;
        let json = serde_json::to_vec(&kept).map_err(|e| e.to_string())?;
        std::fs::write(file, json).map_err(|e| e.to_string())
    }
}

impl Authenticator for SoftAuthenticator {
    fn create<'a>(&'a self, rp_id: &'a str, _user: &'a str) -> AuthFuture<'a, NewCredential> {
        Box::pin(async move {
            if rp_id != RP_ID {
                return Err(format!("this authenticator serves {RP_ID}, not {rp_id}"));
            }
            let made = SoftPasskey::new().await?;
            let new = NewCredential {
                credential_id: made.credential_id.clone(),
                x: made.x,
                y: made.y,
            };
            let mut all = self.credentials.lock().await;
            all.push(made);
            self.keep(&all)?;
            Ok(new)
        })
    }

    fn assert<'a>(
        &'a self,
        _rp_id: &'a str,
        credential_id: &'a [u8],
        challenge: B256,
    ) -> AuthFuture<'a, Assertion> {
        Box::pin(async move {
            let mut all = self.credentials.lock().await;
            let Some(key) = all.iter_mut().find(|k| k.credential_id == credential_id) else {
                return Err("no such credential on this authenticator".to_string());
            };
            let answer = key.assert(challenge).await?;
            // The signature counter moved.
            self.keep(&all)?;
            Ok(answer)
        })
    }
}

/// An authenticator that reports a public key its credential does not sign with.
#[derive(Debug, Default)]
pub struct LyingAuthenticator(pub SoftAuthenticator);

impl Authenticator for LyingAuthenticator {
    fn create<'a>(&'a self, rp_id: &'a str, user: &'a str) -> AuthFuture<'a, NewCredential> {
        Box::pin(async move {
            let mut made = self.0.create(rp_id, user).await?;
            made.x = SoftPasskey::new().await?.x;
            Ok(made)
        })
    }

    fn assert<'a>(
        &'a self,
        rp_id: &'a str,
        credential_id: &'a [u8],
        challenge: B256,
    ) -> AuthFuture<'a, Assertion> {
        self.0.assert(rp_id, credential_id, challenge)
    }
}

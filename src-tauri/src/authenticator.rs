//! The device's passkey authenticator for the core: `tauri-plugin-webauthn` (Windows Hello on
//! Windows, the platform's Credential Manager on Android, USB security keys over CTAP2 on
//! Linux), asked by the shell itself through the main webview's IPC (the plugin has no Rust
//! API; its commands are reached only as `plugin:webauthn|…`). Nothing here is trusted: the
//! core reads the key from the attestation, proves it with a fresh challenge, and checks every
//! assertion against it before it signs anything.
//!
//! Not on macOS or iOS: the plugin has no authenticator there, and the window says so.

use std::sync::Arc;
use std::time::Duration;

use cairn_api::event;
use cairn_core::passkeys::{Assertion, AuthFuture, Authenticator, Challenge, NewCredential};
use cairn_core::primitives::aa::webauthn;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponse, InvokeResponseBody};
use tauri::webview::InvokeRequest;
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// The origin the plugin writes into the client data (Safe's contracts read only what follows
/// the challenge; the rp id is what platform authenticators bind the credential to).
const ORIGIN: &str = "https://cairn.app";

/// How long the person has to touch the key or confirm on the device.
fn timeout() -> Duration {
    let ms = std::env::var("CAIRN_PASSKEY_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(120_000);
    Duration::from_millis(ms.clamp(1_000, 600_000))
}

pub struct PluginAuthenticator<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> std::fmt::Debug for PluginAuthenticator<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PluginAuthenticator")
    }
}

impl<R: Runtime> PluginAuthenticator<R> {
    pub fn new(app: AppHandle<R>) -> Arc<Self> {
        Arc::new(PluginAuthenticator { app })
    }

    /// Runs one of the plugin's commands as the main window would, and waits for its answer
    /// (a little longer than the plugin's own timeout, which ends a wait for a key).
    async fn invoke(&self, command: &str, args: Value) -> Result<Value, String> {
        let webview = self
            .app
            .get_webview_window("main")
            .ok_or("the window is not open")?;
        let url = webview.url().map_err(|e| e.to_string())?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let request = InvokeRequest {
            cmd: format!("plugin:webauthn|{command}"),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url,
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: self.app.invoke_key().to_string(),
        };
        webview.as_ref().clone().on_message(
            request,
            Box::new(move |_webview, _cmd, response, _ok, _err| {
                let _ = tx.send(response);
            }),
        );
        let wait = timeout() + Duration::from_secs(5);
        // The window shows that the authenticator waits for the person, until it answers.
        let _ = self.app.emit(event::PASSKEY, "waiting");
        let answer = tokio::time::timeout(wait, rx).await;
        let _ = self.app.emit(event::PASSKEY, "done");
        match answer {
            Err(_) => Err("no authenticator answered in time".into()),
            Ok(Err(_)) => Err("the authenticator's request was dropped".into()),
            Ok(Ok(InvokeResponse::Ok(InvokeResponseBody::Json(text)))) => {
                serde_json::from_str(&text).map_err(|e| format!("an answer that is not JSON: {e}"))
            }
            Ok(Ok(InvokeResponse::Ok(InvokeResponseBody::Raw(_)))) => {
                Err("an answer that is not JSON".into())
            }
            // The plugin's own words, said plainly where they are known.
            Ok(Ok(InvokeResponse::Err(e))) => Err(plainly(match e.0 {
                Value::String(s) => s,
                other => other.to_string(),
            })),
        }
    }
}

/// The plugin's error in words a person can act on ("A u2f token error occurred NotAllowed" is
/// what CTAP2 says when no key answered before the timeout, or the person declined).
fn plainly(error: String) -> String {
    if error.contains("NotAllowed") {
        format!("no security key answered in time, or the request was declined on it: plug the key in and touch it when it blinks ({error})")
    } else if error.contains("PinBlocked") || error.contains("PinAuthBlocked") {
        format!("the security key's PIN is blocked ({error})")
    } else {
        error
    }
}

/// A base64url field of the plugin's answer (webauthn-rs encodes bytes so).
fn bytes(answer: &Value, pointer: &str) -> Result<Vec<u8>, String> {
    answer
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(webauthn::from_base64url)
        .ok_or_else(|| format!("the authenticator's answer has no {pointer}"))
}

fn random() -> Result<[u8; 32], String> {
    cairn_core::passkeys::random_bytes().map_err(|e| e.to_string())
}

impl<R: Runtime> Authenticator for PluginAuthenticator<R> {
    fn create<'a>(&'a self, rp_id: &'a str, user: &'a str) -> AuthFuture<'a, NewCredential> {
        Box::pin(async move {
            let challenge = random()?;
            let user_id = random()?;
            let options = json!({
                "rp": { "id": rp_id, "name": "Cairn" },
                "user": {
                    "id": webauthn::base64url(&user_id[..16]),
                    "name": user,
                    "displayName": user,
                },
                "challenge": webauthn::base64url(&challenge),
                "pubKeyCredParams": [{ "type": "public-key", "alg": -7 }],
                "authenticatorSelection": {
                    "residentKey": "required",
                    "requireResidentKey": true,
                    "userVerification": "required",
                },
                "attestation": "none",
            });
            let answer = self
                .invoke(
                    "register",
                    json!({
                        "origin": ORIGIN,
                        "options": options,
                        "timeout": timeout().as_millis() as u64,
                    }),
                )
                .await?;
            let attestation = bytes(&answer, "/response/attestationObject")?;
            let made = webauthn::registration(&attestation, rp_id).map_err(|e| e.to_string())?;
            Ok(NewCredential {
                credential_id: made.credential_id,
                x: made.x,
                y: made.y,
            })
        })
    }

    fn assert<'a>(
        &'a self,
        rp_id: &'a str,
        credential_id: &'a [u8],
        challenge: Challenge,
    ) -> AuthFuture<'a, Assertion> {
        Box::pin(async move {
            let options = json!({
                "challenge": webauthn::base64url(challenge.as_slice()),
                "rpId": rp_id,
                "allowCredentials": [{ "type": "public-key", "id": webauthn::base64url(credential_id) }],
                "userVerification": "required",
            });
            let answer = self
                .invoke(
                    "authenticate",
                    json!({
                        "origin": ORIGIN,
                        "options": options,
                        "timeout": timeout().as_millis() as u64,
                    }),
                )
                .await?;
            // A security key with several Cairn credentials may answer with another one: said
            // here, not as a signature that fails to verify.
            if let Ok(id) = bytes(&answer, "/rawId") {
                if !id.is_empty() && id != credential_id {
                    return Err("the authenticator answered with another passkey".into());
                }
            }
            Ok(Assertion {
                authenticator_data: bytes(&answer, "/response/authenticatorData")?,
                client_data_json: bytes(&answer, "/response/clientDataJSON")?,
                signature: bytes(&answer, "/response/signature")?,
            })
        })
    }
}

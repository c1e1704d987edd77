//! The UI's only door to the wallet: Tauri's `invoke`, typed with the shared `cairn_api`
//! requests and responses. Errors arrive as `ApiError`s from the shell. Requests and replies
//! that carry a secret go through [`call_sealed`], so the app process sees only ciphertext.
//! i18n: diagnostics only — its own messages stay English, like the core's, after the error
//! line's sentence for their kind.

use cairn_api::channel::{public_hex, Channel, SealKey, Sealed, SealedReply};
use cairn_api::{cmd, ApiError, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

fn internal(message: impl Into<String>) -> ApiError {
    ApiError {
        code: ErrorCode::Internal,
        message: message.into(),
    }
}

/// Calls shell command `cmd` with `args` (an object whose keys are the command's parameters).
pub async fn call<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, ApiError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let args = args
        .serialize(&serializer)
        .map_err(|e| internal(format!("could not encode the request: {e}")))?;
    match tauri_invoke(cmd, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value)
            .map_err(|e| internal(format!("unexpected reply to {cmd}: {e}"))),
        Err(err) => Err(
            serde_wasm_bindgen::from_value::<ApiError>(err.clone()).unwrap_or_else(|_| {
                internal(err.as_string().unwrap_or_else(|| format!("{cmd} failed")))
            }),
        ),
    }
}

/// Calls shell command `cmd` with a request that carries a secret, sealed to a one-shot key
/// of the core's, and opens the sealed reply. The page's own one-shot key never leaves this
/// function.
pub async fn call_sealed<Q: Serialize, R: DeserializeOwned>(
    cmd: &'static str,
    request: &Q,
) -> Result<R, ApiError> {
    let seal_failed = |e: cairn_api::channel::ChannelError| internal(format!("{cmd}: {e}"));
    let key: SealKey = call(cmd::SEAL_KEY, &NoArgs {}).await?;
    let mut secret = zeroize::Zeroizing::new([0u8; 32]);
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(secret.as_mut()).ok())
        .ok_or_else(|| internal("this page has no secure random numbers"))?;
    let channel = Channel::page(&secret, &key.public).map_err(seal_failed)?;
    let sealed = {
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(request)
                .map_err(|_| internal(format!("could not encode the {cmd} request")))?,
        );
        Sealed {
            key_id: key.id,
            page_public: public_hex(&secret),
            ciphertext: channel.seal_request(cmd, &json).map_err(seal_failed)?,
        }
    };
    drop(secret);
    let reply: SealedReply = call(cmd, &Request { request: &sealed }).await?;
    let json = channel
        .open_reply(cmd, &reply.ciphertext)
        .map_err(seal_failed)?;
    serde_json::from_slice(&json).map_err(|_| internal(format!("unexpected reply to {cmd}")))
}

/// No arguments.
#[derive(Serialize)]
pub struct NoArgs {}

/// Arguments wrapped as the shell's commands name them (`request`).
#[derive(Serialize)]
pub struct Request<'a, T: Serialize> {
    pub request: &'a T,
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

/// Calls `handler` on every `event` the shell emits, for the life of the page.
pub fn listen(event: &'static str, handler: impl FnMut(JsValue) + 'static) {
    let closure = Closure::<dyn FnMut(JsValue)>::new(handler);
    wasm_bindgen_futures::spawn_local(async move {
        if tauri_listen(event, &closure).await.is_ok() {
            // The page holds the listener until it unloads.
            closure.forget();
        }
    });
}

/// Tells the core the user is at the window whenever they type or click, at most every 10 s,
/// so the auto-lock does not close a form being filled in (no wallet call happens while typing).
pub fn report_activity() {
    use std::cell::Cell;
    use std::rc::Rc;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let last = Rc::new(Cell::new(0f64));
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        let now = js_sys::Date::now();
        if now - last.get() >= 10_000.0 {
            last.set(now);
            wasm_bindgen_futures::spawn_local(async {
                // Locked or not, nothing to do with the answer.
                let _ = call::<_, ()>(cairn_api::cmd::USER_ACTIVE, &NoArgs {}).await;
            });
        }
    });
    for kind in ["keydown", "pointerdown", "input", "wheel"] {
        // Capture: a field that stops the event still counts.
        let _ = document.add_event_listener_with_callback_and_bool(
            kind,
            handler.as_ref().unchecked_ref(),
            true,
        );
    }
    // The page keeps the listener until it unloads.
    handler.forget();
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

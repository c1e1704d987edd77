//! The device's authenticator at work, over whatever screen is open: while the core waits for
//! a passkey (the shell's `wallet://passkey` "waiting" … "done"), a sheet says to confirm on
//! the authenticator; a USB security key's own requests (the WebAuthn plugin's events on
//! Linux) are answered here — its PIN, a touch, which of its credentials to use. Windows
//! Hello and Android show their own system dialogs and send none of these.

use cairn_api::event;
use serde::{Deserialize, Serialize};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::i18n::passkeys as tr;
use crate::ipc::{call, listen};

/// What the sheet asks for.
#[derive(Clone, PartialEq)]
enum Ask {
    Hidden,
    /// The authenticator was asked; nothing more is known.
    Waiting,
    /// A security key waits for a touch.
    Touch,
    /// A security key wants its PIN (`Some(n)`: the last one was wrong, n tries left).
    Pin(Option<Option<u8>>),
    /// The key refuses: its PIN or its user verification is blocked.
    Blocked,
    /// The key holds several of Cairn's passkeys: which one (their names).
    Choose(Vec<String>),
}

/// The plugin's event payloads, as it names them.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum PluginEvent {
    SelectDevice,
    PresenceRequired,
    PinEvent { event: PinEvent },
    SelectKey { keys: Vec<KeyUser> },
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum PinEvent {
    PinRequired,
    InvalidPin { attempts_remaining: Option<u8> },
    PinAuthBlocked,
    PinBlocked,
    InvalidUv { attempts_remaining: Option<u8> },
    UvBlocked,
}

#[derive(Deserialize)]
struct KeyUser {
    name: Option<String>,
}

#[derive(Serialize)]
struct PinArgs {
    pin: String,
}

#[derive(Serialize)]
struct KeyArgs {
    key: usize,
}

fn payload(value: &wasm_bindgen::JsValue) -> Option<wasm_bindgen::JsValue> {
    js_sys::Reflect::get(value, &"payload".into()).ok()
}

#[function_component(AuthenticatorPrompt)]
pub(crate) fn authenticator_prompt() -> Html {
    let ask = use_state(|| Ask::Hidden);
    let pin = use_state(String::new);
    {
        let ask = ask.clone();
        use_effect_with((), move |_| {
            {
                let ask = ask.clone();
                listen(event::PASSKEY, move |value| {
                    match payload(&value).and_then(|p| p.as_string()).as_deref() {
                        Some("waiting") => ask.set(Ask::Waiting),
                        _ => ask.set(Ask::Hidden),
                    }
                });
            }
            listen(event::AUTHENTICATOR, move |value| {
                let Some(e) = payload(&value)
                    .and_then(|p| serde_wasm_bindgen::from_value::<PluginEvent>(p).ok())
                else {
                    return;
                };
                ask.set(match e {
                    PluginEvent::SelectDevice | PluginEvent::PresenceRequired => Ask::Touch,
                    PluginEvent::PinEvent { event } => match event {
                        PinEvent::PinRequired => Ask::Pin(None),
                        PinEvent::InvalidPin { attempts_remaining }
                        | PinEvent::InvalidUv { attempts_remaining } => {
                            Ask::Pin(Some(attempts_remaining))
                        }
                        PinEvent::PinAuthBlocked | PinEvent::PinBlocked | PinEvent::UvBlocked => {
                            Ask::Blocked
                        }
                    },
                    PluginEvent::SelectKey { keys } => Ask::Choose(
                        keys.into_iter()
                            .map(|k| k.name.unwrap_or_else(|| "?".into()))
                            .collect(),
                    ),
                });
            });
        });
    }
    let send_pin = {
        let (ask, pin) = (ask.clone(), pin.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let args = PinArgs {
                pin: (*pin).clone(),
            };
            pin.set(String::new());
            ask.set(Ask::Touch);
            spawn_local(async move {
                // The key answers through the plugin's own events; nothing to read here.
                let _ = call::<_, ()>("plugin:webauthn|send_pin", &args).await;
            });
        })
    };
    let choose = |key: usize| {
        let ask = ask.clone();
        Callback::from(move |_: MouseEvent| {
            ask.set(Ask::Touch);
            spawn_local(async move {
                let _ = call::<_, ()>("plugin:webauthn|select_key", &KeyArgs { key }).await;
            });
        })
    };
    let body = match &*ask {
        Ask::Hidden => return html! {},
        Ask::Waiting => html! { <p id="authenticator-waiting">{ tr::confirm_on_device() }</p> },
        Ask::Touch => html! { <p id="authenticator-touch">{ tr::touch_key() }</p> },
        Ask::Blocked => {
            html! { <p id="authenticator-blocked" class="bad">{ tr::key_blocked() }</p> }
        }
        Ask::Pin(retry) => html! {
            <form onsubmit={send_pin}>
                <label for="authenticator-pin">{ tr::key_pin() }</label>
                if let Some(left) = retry {
                    <p class="bad small" id="authenticator-pin-wrong">{ match left {
                        Some(n) => tr::wrong_pin(n),
                        None => tr::wrong_pin_unknown().to_string(),
                    } }</p>
                }
                <input id="authenticator-pin" type="password" inputmode="numeric" autocomplete="off" required=true minlength="4" maxlength="63"
                    value={(*pin).clone()} oninput={crate::components::field(&pin)} />
                <button id="authenticator-pin-send" type="submit" class="secondary wide">{ tr::send_pin() }</button>
            </form>
        },
        Ask::Choose(names) => html! {
            <>
                <p>{ tr::which_passkey() }</p>
                { for names.iter().enumerate().map(|(i, name)| html! {
                    <button class="secondary wide authenticator-choice" onclick={choose(i)}>{ name.clone() }</button>
                }) }
            </>
        },
    };
    html! {
        <div class="authenticator-sheet" id="authenticator-prompt" role="dialog" aria-live="polite" aria-label={tr::authenticator_title()}>
            <b>{ tr::authenticator_title() }</b>
            { body }
        </div>
    }
}

//! Connected apps: the dapp bridge turned on (on a port) or off, tokens for local programs
//! (made here, shown once, revoked here) and what each caller was granted (revoked here).

use cairn_api::{
    cmd, ApiError, BridgeCallerRequest, BridgeGrant, BridgeRevokeRequest, BridgeStartRequest,
    BridgeStatus, BridgeToken, BridgeTokenRequest,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{field, short, ErrorLine};
use crate::i18n::bridge as tr;
use crate::ipc::{call, NoArgs, Request};

/// Everything the card shows, read again after each change.
#[derive(Clone, PartialEq, Default)]
struct Seen {
    status: Option<BridgeStatus>,
    tokens: Vec<BridgeToken>,
    grants: Vec<BridgeGrant>,
}

fn reload(seen: UseStateHandle<Seen>) {
    spawn_local(async move {
        let status = call::<_, BridgeStatus>(cmd::BRIDGE_STATUS, &NoArgs {})
            .await
            .ok();
        let tokens = call::<_, Vec<BridgeToken>>(cmd::BRIDGE_TOKENS, &NoArgs {})
            .await
            .unwrap_or_default();
        let grants = call::<_, Vec<BridgeGrant>>(cmd::BRIDGE_GRANTS, &NoArgs {})
            .await
            .unwrap_or_default();
        seen.set(Seen {
            status,
            tokens,
            grants,
        });
    });
}

#[function_component(BridgeCard)]
pub(crate) fn bridge_card() -> Html {
    let seen = use_state(Seen::default);
    let port = use_state(|| "8787".to_string());
    let name = use_state(String::new);
    let fresh = use_state(|| None::<BridgeToken>);
    let error = use_state(|| None::<ApiError>);
    // Approvals answered elsewhere (the cards above) may have granted something.
    let approvals = use_context::<crate::LiveHandle>()
        .map(|l| l.approvals.len())
        .unwrap_or_default();
    {
        let seen = seen.clone();
        use_effect_with(approvals, move |_| reload(seen));
    }
    let run = |f: fn(UseStateHandle<String>) -> Option<(&'static str, serde_json::Value)>| {
        let (seen, error, port) = (seen.clone(), error.clone(), port.clone());
        Callback::from(move |_: MouseEvent| {
            let Some((command, request)) = f(port.clone()) else {
                return;
            };
            let (seen, error) = (seen.clone(), error.clone());
            spawn_local(async move {
                match call::<_, BridgeStatus>(command, &Request { request: &request }).await {
                    Ok(_) => error.set(None),
                    Err(e) => error.set(Some(e)),
                }
                reload(seen);
            });
        })
    };
    let start = run(|port| {
        let port = port.trim().parse::<u16>().ok()?;
        serde_json::to_value(BridgeStartRequest { port })
            .ok()
            .map(|r| (cmd::BRIDGE_START, r))
    });
    let stop = {
        let (seen, error) = (seen.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (seen, error) = (seen.clone(), error.clone());
            spawn_local(async move {
                if let Err(e) = call::<_, BridgeStatus>(cmd::BRIDGE_STOP, &NoArgs {}).await {
                    error.set(Some(e));
                }
                reload(seen);
            });
        })
    };
    let make = {
        let (seen, error, name, fresh) = (seen.clone(), error.clone(), name.clone(), fresh.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = BridgeTokenRequest {
                name: name.trim().to_string(),
            };
            let (seen, error, name, fresh) =
                (seen.clone(), error.clone(), name.clone(), fresh.clone());
            spawn_local(async move {
                match call::<_, BridgeToken>(cmd::BRIDGE_TOKEN_ADD, &Request { request: &request })
                    .await
                {
                    Ok(t) => {
                        fresh.set(Some(t));
                        name.set(String::new());
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e)),
                }
                reload(seen);
            });
        })
    };
    let revoke_token = |id: i64| {
        let (seen, error, fresh) = (seen.clone(), error.clone(), fresh.clone());
        Callback::from(move |_: MouseEvent| {
            let (seen, error, fresh) = (seen.clone(), error.clone(), fresh.clone());
            spawn_local(async move {
                let request = BridgeRevokeRequest { id };
                if let Err(e) =
                    call::<_, ()>(cmd::BRIDGE_TOKEN_REVOKE, &Request { request: &request }).await
                {
                    error.set(Some(e));
                }
                fresh.set(None);
                reload(seen);
            });
        })
    };
    let revoke_grant = |caller: String| {
        let (seen, error) = (seen.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (seen, error) = (seen.clone(), error.clone());
            let request = BridgeCallerRequest {
                caller: caller.clone(),
            };
            spawn_local(async move {
                if let Err(e) =
                    call::<_, ()>(cmd::BRIDGE_GRANT_REVOKE, &Request { request: &request }).await
                {
                    error.set(Some(e));
                }
                reload(seen);
            });
        })
    };
    let status = seen.status.clone();
    let running = status.as_ref().is_some_and(|s| s.running);
    html! {
        <section class="card" id="bridge-card">
            <h2>{ tr::title() }</h2>
            <p class="muted small">{ tr::note() }</p>
            if running {
                <p id="bridge-url" class="ok">{ tr::listening(status.and_then(|s| s.url).unwrap_or_default()) }</p>
                <button id="bridge-stop" class="secondary" onclick={stop}>{ tr::turn_off() }</button>
            } else {
                <p id="bridge-off" class="muted">{ tr::off() }</p>
                <div class="row">
                    <label for="bridge-port">{ tr::port_label() }</label>
                    <input id="bridge-port" type="text" inputmode="numeric" value={(*port).clone()} oninput={field(&port)} />
                    <button id="bridge-start" onclick={start}>{ tr::turn_on() }</button>
                </div>
            }
            <h3>{ tr::grants_title() }</h3>
            if seen.grants.is_empty() {
                <p class="muted small" id="bridge-no-grants">{ tr::no_grants() }</p>
            }
            <ul id="bridge-grants">
                { for seen.grants.iter().map(|g| html! {
                    <li class="grant" data-caller={g.caller.clone()}>
                        <b>{ &g.label }</b>{ " " }
                        <span class="muted small">{ tr::grant_line(g.accounts.iter().map(|a| short(a)).collect::<Vec<_>>().join(", "), g.chain_id) }</span>
                        <button class="secondary small" onclick={revoke_grant(g.caller.clone())}>{ tr::revoke() }</button>
                    </li>
                }) }
            </ul>
            <h3>{ tr::tokens_title() }</h3>
            <p class="muted small" id="bridge-pairing">{ tr::pairing() }</p>
            <form onsubmit={make}>
                <label for="bridge-token-name">{ tr::token_name() }</label>
                <input id="bridge-token-name" type="text" maxlength="64" value={(*name).clone()} oninput={field(&name)} />
                <button id="bridge-token-make" type="submit" class="secondary">{ tr::make_token() }</button>
            </form>
            if let Some(t) = &*fresh {
                <p class="warn small">{ tr::token_once() }</p>
                <pre id="bridge-token" class="mono">{ t.token.clone().unwrap_or_default() }</pre>
            }
            <ul id="bridge-tokens">
                { for seen.tokens.iter().map(|t| html! {
                    <li class="token">
                        { &t.name }
                        if t.revoked_at.is_some() {
                            <span class="muted small">{ " " }{ tr::revoked() }</span>
                        } else {
                            <button class="secondary small" onclick={revoke_token(t.id)}>{ tr::revoke() }</button>
                        }
                    </li>
                }) }
            </ul>
            <ErrorLine error={(*error).clone()} id="bridge-error" />
        </section>
    }
}

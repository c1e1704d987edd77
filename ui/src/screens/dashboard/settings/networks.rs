//! Network settings: the presets and the user's networks, which one is in use, switching, and
//! adding or editing one — endpoints, WebSocket, bundler and paymaster, explorer API, finality,
//! fee ceiling and log span (the core checks every endpoint's chain id before it is kept).

use cairn_api::{
    cmd, ApiError, NetworkEntry, NetworkInfo, NetworkSpec, UseNetworkRequest, WalletStatus,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{chain_label, input_value, invalid_input, ErrorLine, StatusChip};
use crate::i18n::networks as tr;
use crate::ipc::{call, NoArgs, Request};

#[derive(Properties, PartialEq)]
pub(crate) struct NetworksProps {
    /// Called with the network now in use.
    pub switched: Callback<NetworkInfo>,
}

/// The form's fields as typed; the core checks them all when the network is saved.
#[derive(Clone, PartialEq)]
struct Form {
    name: String,
    chain_id: String,
    symbol: String,
    decimals: String,
    rpc: String,
    ws: String,
    bundler: String,
    paymaster: String,
    explorer_api: String,
    confirmations: String,
    fee_ceiling: String,
    log_span: String,
    /// Editing a listed network (its chain id is fixed).
    editing: bool,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            name: String::new(),
            chain_id: String::new(),
            symbol: "ETH".into(),
            decimals: "18".into(),
            rpc: String::new(),
            ws: String::new(),
            bundler: String::new(),
            paymaster: String::new(),
            explorer_api: String::new(),
            confirmations: "12".into(),
            fee_ceiling: String::new(),
            log_span: String::new(),
            editing: false,
        }
    }
}

impl Form {
    fn of(spec: &NetworkSpec) -> Form {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Form {
            name: spec.name.clone(),
            chain_id: spec.chain_id.to_string(),
            symbol: spec.currency_symbol.clone(),
            decimals: spec.currency_decimals.to_string(),
            rpc: spec.rpc_urls.join(", "),
            ws: text(&spec.ws_url),
            bundler: text(&spec.bundler_url),
            paymaster: text(&spec.paymaster_url),
            explorer_api: text(&spec.explorer_api_url),
            confirmations: spec.confirmations.to_string(),
            fee_ceiling: spec
                .fee_ceiling_gwei
                .map(|v| v.to_string())
                .unwrap_or_default(),
            log_span: spec
                .log_span_blocks
                .map(|v| v.to_string())
                .unwrap_or_default(),
            editing: true,
        }
    }

    /// The spec to send, or what is not a number where one is needed.
    fn spec(&self) -> Result<NetworkSpec, &'static str> {
        let opt = |v: &str| Some(v.trim().to_string()).filter(|t| !t.is_empty());
        let number = |v: &str| v.trim().parse::<u64>().ok();
        let optional_number = |v: &str, what| match opt(v) {
            None => Ok(None),
            Some(t) => t.parse::<u64>().map(Some).map_err(|_| what),
        };
        Ok(NetworkSpec {
            chain_id: number(&self.chain_id).ok_or_else(tr::bad_chain_id)?,
            name: self.name.trim().to_string(),
            currency_symbol: self.symbol.trim().to_string(),
            currency_decimals: self
                .decimals
                .trim()
                .parse()
                .map_err(|_| tr::bad_decimals())?,
            rpc_urls: self
                .rpc
                .split([',', '\n', ' '])
                .filter(|u| !u.is_empty())
                .map(str::to_string)
                .collect(),
            bundler_url: opt(&self.bundler),
            paymaster_url: opt(&self.paymaster),
            explorer_api_url: opt(&self.explorer_api),
            confirmations: number(&self.confirmations).ok_or_else(tr::bad_confirmations)?,
            fee_ceiling_gwei: optional_number(&self.fee_ceiling, tr::bad_fee_ceiling())?,
            ws_url: opt(&self.ws),
            log_span_blocks: optional_number(&self.log_span, tr::bad_log_span())?,
        })
    }
}

/// How a field of the form takes its text.
#[derive(Clone, Copy, Default)]
struct Look {
    /// Whole numbers: the phone's number pad.
    numeric: bool,
    required: bool,
    readonly: bool,
}

const WHOLE: Look = Look {
    numeric: true,
    required: false,
    readonly: false,
};

/// One text field of the form, bound to one of its strings.
fn input(
    form: &UseStateHandle<Form>,
    id: &'static str,
    label: &'static str,
    get: fn(&Form) -> &String,
    set: fn(&mut Form, String),
    look: Look,
) -> Html {
    let value = get(form).clone();
    let oninput = {
        let form = form.clone();
        Callback::from(move |e: InputEvent| {
            let mut f = (*form).clone();
            set(&mut f, input_value(&e));
            form.set(f);
        })
    };
    let inputmode = look.numeric.then_some("numeric");
    html! {
        <>
            <label for={id}>{ label }</label>
            <input {id} type="text" {inputmode} required={look.required} readonly={look.readonly} {value} {oninput} />
        </>
    }
}

#[function_component(NetworksCard)]
pub(crate) fn networks_card(props: &NetworksProps) -> Html {
    let list = use_state(Vec::<NetworkEntry>::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let saved = use_state(|| false);
    let form = use_state(Form::default);
    let reload = {
        let (list, error) = (list.clone(), error.clone());
        Callback::from(move |_: ()| {
            let (list, error) = (list.clone(), error.clone());
            spawn_local(async move {
                match call::<_, Vec<NetworkEntry>>(cmd::NETWORKS, &NoArgs {}).await {
                    Ok(l) => list.set(l),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    let use_network = |chain_id: u64| {
        let (error, switched) = (error.clone(), props.switched.clone());
        Callback::from(move |_| {
            let (error, switched) = (error.clone(), switched.clone());
            spawn_local(async move {
                let request = UseNetworkRequest { chain_id };
                match call::<_, NetworkEntry>(cmd::USE_NETWORK, &Request { request: &request })
                    .await
                {
                    Ok(_) => {
                        if let Ok(WalletStatus::Unlocked { network, .. }) =
                            call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await
                        {
                            switched.emit(network);
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let edit = |spec: &NetworkSpec| {
        let (form, saved) = (form.clone(), saved.clone());
        let spec = spec.clone();
        Callback::from(move |_: MouseEvent| {
            saved.set(false);
            form.set(Form::of(&spec));
        })
    };
    let add = {
        let (error, busy, reload, form, saved) = (
            error.clone(),
            busy.clone(),
            reload.clone(),
            form.clone(),
            saved.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = match form.spec() {
                Ok(spec) => spec,
                Err(why) => {
                    error.set(Some(invalid_input(why)));
                    return;
                }
            };
            let (error, busy, reload, form, saved) = (
                error.clone(),
                busy.clone(),
                reload.clone(),
                form.clone(),
                saved.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match call::<_, NetworkEntry>(cmd::ADD_NETWORK, &Request { request: &request })
                    .await
                {
                    Ok(_) => {
                        error.set(None);
                        form.set(Form::default());
                        saved.set(true);
                        reload.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let cancel_edit = {
        let form = form.clone();
        Callback::from(move |_: MouseEvent| form.set(Form::default()))
    };
    let editing = form.editing;
    html! {
        <section class="card" id="networks">
            <h2>{ tr::title() }</h2>
            <ul class="ops">
                { for list.iter().map(|n| html! {
                    <li class="op" id={format!("network-{}", n.spec.chain_id)}> // i18n: not text
                        <div class="op-line">
                            <span>{ chain_label(&n.spec.name, n.spec.chain_id) }</span>
                            if n.active {
                                <StatusChip state="confirmed" label={tr::in_use()} />
                            } else {
                                <button class="secondary use-network" onclick={use_network(n.spec.chain_id)}>{ tr::use_network() }</button>
                            }
                        </div>
                        <div class="mono small muted">{ n.spec.rpc_urls.join(", ") }{ if n.user_added { tr::added() } else { "" } }</div>
                        <button class="link network-edit" onclick={edit(&n.spec)} aria-label={tr::edit_named(&n.spec.name)}>{ tr::edit() }</button>
                    </li>
                }) }
            </ul>
            <form onsubmit={add} id="network-form">
                <h3>{ if editing { tr::edit_named(&form.name) } else { tr::add_title().to_string() } }</h3>
                { input(&form, "network-name", tr::name(), |f| &f.name, |f, v| f.name = v, Look::default()) }
                { input(&form, "network-chain", tr::chain_id(), |f| &f.chain_id, |f, v| f.chain_id = v, Look { numeric: true, required: true, readonly: editing }) }
                { input(&form, "network-symbol", tr::currency_symbol(), |f| &f.symbol, |f, v| f.symbol = v, Look::default()) }
                { input(&form, "network-rpc", tr::rpc_urls(), |f| &f.rpc, |f, v| f.rpc = v, Look::default()) }
                <details class="more" open={editing}>
                    <summary>{ tr::more() }</summary>
                    { input(&form, "network-ws", tr::ws_url(), |f| &f.ws, |f, v| f.ws = v, Look::default()) }
                    { input(&form, "network-bundler", tr::bundler_url(), |f| &f.bundler, |f, v| f.bundler = v, Look::default()) }
                    { input(&form, "network-paymaster", tr::paymaster_url(), |f| &f.paymaster, |f, v| f.paymaster = v, Look::default()) }
                    { input(&form, "network-explorer", tr::explorer_api_url(), |f| &f.explorer_api, |f, v| f.explorer_api = v, Look::default()) }
                    { input(&form, "network-decimals", tr::currency_decimals(), |f| &f.decimals, |f, v| f.decimals = v, WHOLE) }
                    { input(&form, "network-confirmations", tr::confirmations(), |f| &f.confirmations, |f, v| f.confirmations = v, WHOLE) }
                    { input(&form, "network-fee-ceiling", tr::fee_ceiling(), |f| &f.fee_ceiling, |f, v| f.fee_ceiling = v, Look::default()) }
                    { input(&form, "network-log-span", tr::log_span(), |f| &f.log_span, |f, v| f.log_span = v, WHOLE) }
                </details>
                <ErrorLine error={(*error).clone()} id="network-error" />
                if *saved { <p class="ok" id="network-saved">{ tr::network_saved() }</p> }
                <button id="network-add" type="submit" class="secondary wide" disabled={*busy}>{ if *busy { tr::checking() } else if editing { tr::check_and_save() } else { tr::check_and_add() } }</button>
                if editing { <button type="button" id="network-edit-cancel" class="link" onclick={cancel_edit}>{ tr::cancel_editing() }</button> }
            </form>
        </section>
    }
}

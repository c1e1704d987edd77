//! Network settings: the presets and the user's networks, which one is in use, switching, and
//! adding one (the core checks every endpoint's chain id before it is kept).

use cairn_api::{
    cmd, ApiError, NetworkEntry, NetworkInfo, NetworkSpec, UseNetworkRequest, WalletStatus,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{chain_label, field, invalid_input, ErrorLine, StatusChip};
use crate::ipc::{call, NoArgs, Request};

#[derive(Properties, PartialEq)]
pub(crate) struct NetworksProps {
    /// Called with the network now in use.
    pub switched: Callback<NetworkInfo>,
}

#[function_component(NetworksCard)]
pub(crate) fn networks_card(props: &NetworksProps) -> Html {
    let list = use_state(Vec::<NetworkEntry>::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let (name, chain_id, symbol, urls) = (
        use_state(String::new),
        use_state(String::new),
        use_state(|| "ETH".to_string()),
        use_state(String::new),
    );
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
    let add = {
        let (error, busy, reload) = (error.clone(), busy.clone(), reload.clone());
        let (name, chain_id, symbol, urls) =
            (name.clone(), chain_id.clone(), symbol.clone(), urls.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(id) = chain_id.trim().parse::<u64>() else {
                error.set(Some(invalid_input(
                    "the chain id is a positive whole number",
                )));
                return;
            };
            let request = NetworkSpec {
                chain_id: id,
                name: name.trim().to_string(),
                currency_symbol: symbol.trim().to_string(),
                currency_decimals: 18,
                rpc_urls: urls
                    .split([',', '\n', ' '])
                    .filter(|u| !u.is_empty())
                    .map(str::to_string)
                    .collect(),
                bundler_url: None,
                paymaster_url: None,
                explorer_api_url: None,
                confirmations: 12,
                fee_ceiling_gwei: None,
                ws_url: None,
                log_span_blocks: None,
            };
            let (error, busy, reload) = (error.clone(), busy.clone(), reload.clone());
            busy.set(true);
            spawn_local(async move {
                match call::<_, NetworkEntry>(cmd::ADD_NETWORK, &Request { request: &request })
                    .await
                {
                    Ok(_) => {
                        error.set(None);
                        reload.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <section class="card" id="networks">
            <h2>{ "Networks" }</h2>
            <ul class="ops">
                { for list.iter().map(|n| html! {
                    <li class="op" id={format!("network-{}", n.spec.chain_id)}>
                        <div class="op-line">
                            <span>{ chain_label(&n.spec.name, n.spec.chain_id) }</span>
                            if n.active {
                                <StatusChip state="confirmed" label="in use" />
                            } else {
                                <button class="secondary" onclick={use_network(n.spec.chain_id)}>{ "Use" }</button>
                            }
                        </div>
                        <div class="mono small muted">{ n.spec.rpc_urls.join(", ") }{ if n.user_added { "  (added)" } else { "" } }</div>
                    </li>
                }) }
            </ul>
            <form onsubmit={add}>
                <h3>{ "Add a network" }</h3>
                <label for="network-name">{ "Name" }</label>
                <input id="network-name" type="text" required=true value={(*name).clone()} oninput={field(&name)} />
                <label for="network-chain">{ "Chain id" }</label>
                <input id="network-chain" type="text" inputmode="numeric" required=true value={(*chain_id).clone()} oninput={field(&chain_id)} />
                <label for="network-symbol">{ "Currency symbol" }</label>
                <input id="network-symbol" type="text" required=true value={(*symbol).clone()} oninput={field(&symbol)} />
                <label for="network-rpc">{ "RPC URLs (in failover order)" }</label>
                <input id="network-rpc" type="text" class="mono" placeholder="https://…" required=true value={(*urls).clone()} oninput={field(&urls)} />
                <ErrorLine error={(*error).clone()} id="network-error" />
                <button id="network-add" type="submit" class="secondary wide" disabled={*busy}>{ if *busy { "Checking the endpoints…" } else { "Check and add" } }</button>
            </form>
        </section>
    }
}

//! The network in use, as shown under every screen that acts on it.

use cairn_api::NetworkInfo;
use yew::prelude::*;

/// How a network is named wherever one is listed.
pub(crate) fn chain_label(name: &str, chain_id: u64) -> String {
    format!("{name} · chain {chain_id}")
}

#[derive(Properties, PartialEq)]
pub(crate) struct NetworkProps {
    pub network: NetworkInfo,
}

#[function_component(NetworkBadge)]
pub(crate) fn network_badge(props: &NetworkProps) -> Html {
    html! {
        <p class="network" id="network">
            <span class="dot" aria-hidden="true"></span>
            { chain_label(&props.network.name, props.network.chain_id) }
        </p>
    }
}

//! The network in use, as shown under every screen that acts on it.

use cairn_api::NetworkInfo;
use yew::prelude::*;

use crate::i18n::components as tr;

/// How a network is named wherever one is listed.
pub(crate) fn chain_label(name: &str, chain_id: u64) -> String {
    tr::chain_label(name, chain_id)
}

#[derive(Properties, PartialEq)]
pub(crate) struct NetworkProps {
    pub network: NetworkInfo,
}

#[function_component(NetworkBadge)]
pub(crate) fn network_badge(props: &NetworkProps) -> Html {
    html! {
        // No status dot here: whether the network answers is the sync line's to say (a dot
        // that stayed green offline told the user the opposite).
        <p class="network" id="network">
            { chain_label(&props.network.name, props.network.chain_id) }
        </p>
    }
}

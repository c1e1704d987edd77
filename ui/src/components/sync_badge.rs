//! Whether the wallet reaches the network, and what waits to be broadcast. Follows the shell's
//! sync events; the first state is asked for, so the badge is right before the first event.

use cairn_api::{cmd, SyncStatus};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::i18n::components as tr;
use crate::ipc::{call, NoArgs};
use crate::LiveHandle;

#[function_component(SyncBadge)]
pub(crate) fn sync_badge() -> Html {
    let live = use_context::<LiveHandle>();
    let fetched = use_state(|| None::<SyncStatus>);
    {
        let fetched = fetched.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(s) = call::<_, SyncStatus>(cmd::SYNC_STATUS, &NoArgs {}).await {
                    fetched.set(Some(s));
                }
            });
        });
    }
    let status = live
        .as_ref()
        .and_then(|l| l.sync.clone())
        .or_else(|| (*fetched).clone());
    let Some(s) = status else {
        return html! { <p class="sync muted" id="sync-status">{ tr::connecting() }</p> };
    };
    let queue = match (s.queued, s.in_flight) {
        (0, 0) => String::new(),
        (q, f) => tr::queue(q, f),
    };
    let sync_now = {
        let fetched = fetched.clone();
        Callback::from(move |_: MouseEvent| {
            let fetched = fetched.clone();
            spawn_local(async move {
                if let Ok(s) = call::<_, SyncStatus>(cmd::SYNC_NOW, &NoArgs {}).await {
                    fetched.set(Some(s));
                }
            });
        })
    };
    let text = if s.quiet {
        tr::sync_quiet(s.last_block.unwrap_or_default(), queue)
    } else if s.online {
        tr::sync_online(
            s.last_block.unwrap_or_default(),
            s.endpoint.as_deref().unwrap_or_default(),
            queue,
        )
    } else {
        tr::sync_offline(queue)
    };
    html! {
        <p class={classes!("sync", if s.quiet { "quiet" } else if s.online { "online" } else { "offline" })} id="sync-status" title={s.last_error.clone().unwrap_or_default()}>
            { text }
            if s.quiet || !s.online {
                { " " }<button id="sync-now" class="link" onclick={sync_now}>{ tr::sync_now() }</button>
            }
        </p>
    }
}

//! An Ethereum address as text. Where it sits decides its markup, and each place keeps its own.
//! Where an address is the point of the screen (an account's headline, the receive page) it
//! comes with a copy button and, on a network with a public explorer, a link to it there.

use cairn_api::{cmd, AddressRequest, NetworkInfo};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::Identicon;
use crate::i18n::components as tr;
use crate::ipc::{call, Request};

/// The places an address is shown.
#[derive(Clone, Copy, PartialEq, Default)]
pub(crate) enum AddressLook {
    /// An account card's headline: `p.address`, its title the derivation path.
    Card,
    /// Large and centred, to be read out or copied: `p.mono.address-big`.
    Big,
    /// The value of a review line: `dd.mono`.
    Field,
    /// Within a list line: `span.mono.small`.
    #[default]
    Inline,
}

#[derive(Properties, PartialEq)]
pub(crate) struct AddressProps {
    pub address: AttrValue,
    #[prop_or_default]
    pub look: AddressLook,
    #[prop_or_default]
    pub id: Option<AttrValue>,
    #[prop_or_default]
    pub title: Option<AttrValue>,
}

/// `0x1234…abcd`: enough to recognise, with the picture beside it.
pub(crate) fn short(address: &str) -> String {
    if address.len() > 12 {
        format!("{}…{}", &address[..6], &address[address.len() - 4..])
    } else {
        address.to_string()
    }
}

/// `navigator.clipboard.writeText(text)`, called through Reflect so no unstable web-sys API is
/// needed; true when the browser took it.
pub(crate) async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined());
    let write = clipboard.as_ref().and_then(|c| {
        js_sys::Reflect::get(c, &"writeText".into())
            .ok()
            .and_then(|f| wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(f).ok())
    });
    let (Some(clipboard), Some(write)) = (clipboard, write) else {
        return false;
    };
    let Ok(promise) = write.call1(&clipboard, &text.into()) else {
        return false;
    };
    let Ok(promise) = wasm_bindgen::JsCast::dyn_into::<js_sys::Promise>(promise) else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

#[derive(Properties, PartialEq)]
struct ToolsProps {
    address: AttrValue,
}

/// Copy, and the explorer link where the network has one.
#[function_component(AddressTools)]
fn address_tools(props: &ToolsProps) -> Html {
    let said = use_state(|| None::<&'static str>);
    let copy = {
        let (said, address) = (said.clone(), props.address.clone());
        Callback::from(move |_: MouseEvent| {
            let (said, address) = (said.clone(), address.clone());
            spawn_local(async move {
                said.set(Some(if copy_text(&address).await {
                    tr::copied()
                } else {
                    tr::copy_by_hand()
                }));
            });
        })
    };
    html! {
        <span class="address-tools">
            <button type="button" class="link copy" onclick={copy} aria-label={tr::copy_address()}>{ tr::copy() }</button>
            <ExplorerLink value={props.address.clone()} />
            if let Some(s) = *said { <span class="small muted copied" role="status">{ s }</span> }
        </span>
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct ExplorerLinkProps {
    /// An address or a transaction hash.
    pub value: AttrValue,
}

/// "View on explorer", on networks that have one: opened by the shell in the user's browser
/// (the core builds the URL; the `href` is there for what the link says on hover).
#[function_component(ExplorerLink)]
pub(crate) fn explorer_link(props: &ExplorerLinkProps) -> Html {
    let Some(base) = use_context::<NetworkInfo>().and_then(|n| n.explorer_url) else {
        return html! {};
    };
    let kind = if props.value.len() == 66 {
        "tx"
    } else {
        "address"
    };
    let href = format!("{base}/{kind}/{}", props.value);
    let open = {
        let value = props.value.to_string();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            let request = AddressRequest {
                address: value.clone(),
            };
            spawn_local(async move {
                // A browser that cannot be opened leaves the link's address on hover.
                let _ = call::<_, ()>(cmd::OPEN_EXPLORER, &Request { request: &request }).await;
            });
        })
    };
    html! { <a class="explorer small" {href} onclick={open}>{ tr::view_on_explorer() }</a> }
}

#[function_component(Address)]
pub(crate) fn address(props: &AddressProps) -> Html {
    let (id, title, address) = (props.id.clone(), props.title.clone(), props.address.clone());
    let icon = html! { <Identicon address={address.clone()} size={20} /> };
    match props.look {
        AddressLook::Card => html! {
            <>
                <div class="address-line">{ icon }<p class="address" {id} {title}>{ address.clone() }</p></div>
                <AddressTools {address} />
            </>
        },
        AddressLook::Big => html! {
            <>
                <p class="mono address-big" {id} {title}>{ address.clone() }</p>
                <p class="center"><AddressTools {address} /></p>
            </>
        },
        AddressLook::Field => html! { <dd class="mono" {id} {title}>{ icon }{ address }</dd> },
        // In a list line the full form is one hover (or long press) away.
        AddressLook::Inline => {
            let full = title.unwrap_or_else(|| address.clone());
            html! { <span class="mono small" {id} title={full}>{ icon }{ short(&address) }</span> }
        }
    }
}

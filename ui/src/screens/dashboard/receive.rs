//! The receive tab: an account's address as text and as a QR code, with the network it is for.

use cairn_api::{cmd, AddressRequest, ApiError, ReceiveInfo};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{AccountSelect, Address, AddressLook, ErrorLine, Qr};
use crate::hooks::{first_address, use_accounts};
use crate::i18n::accounts as tr;
use crate::ipc::{call, Request};

#[function_component(ReceivePage)]
pub(crate) fn receive_page() -> Html {
    let accounts = use_accounts();
    let chosen = use_state(String::new);
    let info = use_state(|| None::<ReceiveInfo>);
    let error = use_state(|| None::<ApiError>);
    let address = if chosen.is_empty() {
        first_address(&accounts.list)
    } else {
        (*chosen).clone()
    };
    {
        let (info, error) = (info.clone(), error.clone());
        use_effect_with(address.clone(), move |address| {
            let address = address.clone();
            if !address.is_empty() {
                spawn_local(async move {
                    let request = AddressRequest { address };
                    match call::<_, ReceiveInfo>(cmd::RECEIVE, &Request { request: &request }).await
                    {
                        Ok(i) => info.set(Some(i)),
                        Err(e) => error.set(Some(e)),
                    }
                });
            }
        });
    }
    let onchange = {
        let chosen = chosen.clone();
        Callback::from(move |address: String| chosen.set(address))
    };
    html! {
        <section class="card" id="receive">
            <h2>{ tr::receive_title() }</h2>
            <label for="receive-account">{ tr::receive_to() }</label>
            <AccountSelect id="receive-account" accounts={(*accounts.list).clone()} selected={address} {onchange} />
            <ErrorLine error={(*error).clone()} />
            if let Some(i) = &*info {
                <Qr id="receive-qr" svg={i.qr_svg.clone()} />
                <Address address={i.address.clone()} look={AddressLook::Big} id="receive-address" />
                <p class="muted" id="receive-network">{ tr::only_on(&i.network, i.chain_id) }</p>
            }
        </section>
    }
}

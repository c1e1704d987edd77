//! An Ethereum address as text. Where it sits decides its markup, and each place keeps its own.

use yew::prelude::*;

use super::Identicon;

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

#[function_component(Address)]
pub(crate) fn address(props: &AddressProps) -> Html {
    let (id, title, address) = (props.id.clone(), props.title.clone(), props.address.clone());
    let icon = html! { <Identicon address={address.clone()} size={20} /> };
    match props.look {
        AddressLook::Card => html! {
            <div class="address-line">{ icon }<p class="address" {id} {title}>{ address }</p></div>
        },
        AddressLook::Big => html! { <p class="mono address-big" {id} {title}>{ address }</p> },
        AddressLook::Field => html! { <dd class="mono" {id} {title}>{ icon }{ address }</dd> },
        // In a list line the full form is one hover (or long press) away.
        AddressLook::Inline => {
            let full = title.unwrap_or_else(|| address.clone());
            html! { <span class="mono small" {id} title={full}>{ icon }{ short(&address) }</span> }
        }
    }
}

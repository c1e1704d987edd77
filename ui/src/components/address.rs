//! An Ethereum address as text. Where it sits decides its markup, and each place keeps its own.

use yew::prelude::*;

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

#[function_component(Address)]
pub(crate) fn address(props: &AddressProps) -> Html {
    let (id, title, address) = (props.id.clone(), props.title.clone(), props.address.clone());
    match props.look {
        AddressLook::Card => html! { <p class="address" {id} {title}>{ address }</p> },
        AddressLook::Big => html! { <p class="mono address-big" {id} {title}>{ address }</p> },
        AddressLook::Field => html! { <dd class="mono" {id} {title}>{ address }</dd> },
        AddressLook::Inline => html! { <span class="mono small" {id} {title}>{ address }</span> },
    }
}

//! A QR code drawn by the core.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct QrProps {
    pub id: AttrValue,
    /// SVG that the core built from an address or an otpauth URI, never from user markup: the
    /// one reason it may be inserted unchecked.
    pub svg: AttrValue,
}

#[function_component(Qr)]
pub(crate) fn qr(props: &QrProps) -> Html {
    html! { <div class="qr" id={props.id.clone()}>{ Html::from_html_unchecked(props.svg.clone()) }</div> }
}

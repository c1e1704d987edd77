//! Network fees: the most a reviewed send can cost, and what a mined one did cost.

use yew::prelude::*;

use crate::i18n::components as tr;

#[derive(Properties, PartialEq)]
pub(crate) struct MaxFeeProps {
    pub max: AttrValue,
    pub symbol: AttrValue,
    pub gas: AttrValue,
}

/// The review's fee line: an upper bound, since the base fee can still fall before inclusion.
#[function_component(MaxFee)]
pub(crate) fn max_fee(props: &MaxFeeProps) -> Html {
    // An upper bound cut short would read lower than it is: "…" says digits follow.
    let (shown, cut) = super::amount::shorten(&props.max, 6);
    let title = cut.then(|| tr::at_most(&props.max, &props.symbol));
    html! {
        <dd id="review-fee" {title}>{ tr::max_fee(shown, if cut { "…" } else { "" }, &props.symbol, &props.gas) }</dd>
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct FeePaidProps {
    pub fee: AttrValue,
}

#[function_component(FeePaid)]
pub(crate) fn fee_paid(props: &FeePaidProps) -> Html {
    html! { <div class="small muted">{ tr::fee_paid(&props.fee) }</div> }
}

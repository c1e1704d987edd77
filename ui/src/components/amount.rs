//! An amount with its symbol, as the core formatted it (the UI never does arithmetic on money).

use yew::prelude::*;

/// The places an amount is shown.
#[derive(Clone, Copy, PartialEq, Default)]
pub(crate) enum AmountLook {
    /// An account's balance, large: `p.balance`.
    Balance,
    /// The value of a review line: `dd`.
    Field,
    /// The right-hand side of an activity or history line: `span.amount`.
    #[default]
    Line,
    /// One of the changes a simulation foresees: `li.mono`.
    Change,
}

#[derive(Properties, PartialEq)]
pub(crate) struct AmountProps {
    pub amount: AttrValue,
    pub symbol: AttrValue,
    /// Put before the amount, for lists that show direction ("+", "−").
    #[prop_or_default]
    pub sign: AttrValue,
    #[prop_or_default]
    pub look: AmountLook,
    #[prop_or_default]
    pub id: Option<AttrValue>,
}

#[function_component(Amount)]
pub(crate) fn amount(props: &AmountProps) -> Html {
    // One text node, as before: the GUI test compares the whole text ("10.0 ETH").
    let text = format!("{}{} {}", props.sign, props.amount, props.symbol);
    let id = props.id.clone();
    match props.look {
        AmountLook::Balance => html! { <p class="balance" {id}>{ text }</p> },
        AmountLook::Field => html! { <dd {id}>{ text }</dd> },
        AmountLook::Line => html! { <span class="amount" {id}>{ text }</span> },
        AmountLook::Change => html! { <li class="mono" {id}>{ text }</li> },
    }
}

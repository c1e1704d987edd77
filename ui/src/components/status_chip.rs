//! An operation's state as a coloured chip (`span.state.<state>`; the colours are in style.css).

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct StatusChipProps {
    /// The core's state name (`submitted`, `needs_resign`, …): it is also the class.
    pub state: AttrValue,
    /// Shown instead of the state's own name, where a list borrows a state's look.
    #[prop_or_default]
    pub label: Option<AttrValue>,
}

#[function_component(StatusChip)]
pub(crate) fn status_chip(props: &StatusChipProps) -> Html {
    let label = match &props.label {
        Some(label) => label.to_string(),
        None => props.state.replace('_', " "),
    };
    html! { <span class={classes!("state", props.state.to_string())}>{ label }</span> }
}

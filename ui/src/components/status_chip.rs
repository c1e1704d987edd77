//! An operation's state as a coloured chip (`span.state.<state>`; the colours are in style.css).

use yew::prelude::*;

use crate::i18n::components as tr;

#[derive(Properties, PartialEq)]
pub(crate) struct StatusChipProps {
    /// The core's state name (`submitted`, `needs_resign`, …): it is also the class.
    pub state: AttrValue,
    /// Shown instead of the state's own name, where a list borrows a state's look.
    #[prop_or_default]
    pub label: Option<AttrValue>,
}

/// A state's name in words: the catalog's for the core's states, an unknown one as the core
/// named it.
fn state_name(state: &str) -> String {
    let known = match state {
        "draft" => tr::state_draft(),
        "authorized" => tr::state_authorized(),
        "signed" => tr::state_signed(),
        "queued" => tr::state_queued(),
        "submitted" => tr::state_submitted(),
        "included" => tr::state_included(),
        "confirmed" => tr::state_confirmed(),
        "failed" => tr::state_failed(),
        "replaced" => tr::state_replaced(),
        "dropped" => tr::state_dropped(),
        "needs_resign" => tr::state_needs_resign(),
        other => return other.replace('_', " "),
    };
    known.to_string()
}

#[function_component(StatusChip)]
pub(crate) fn status_chip(props: &StatusChipProps) -> Html {
    let label = match &props.label {
        Some(label) => label.to_string(),
        None => state_name(&props.state),
    };
    html! { <span class={classes!("state", props.state.to_string())}>{ label }</span> }
}

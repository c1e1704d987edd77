//! A tab button: the onboarding's create/import switch and the dashboard's navigation.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct TabButtonProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub active: bool,
    pub onclick: Callback<MouseEvent>,
}

#[function_component(TabButton)]
pub(crate) fn tab_button(props: &TabButtonProps) -> Html {
    html! {
        <button id={props.id.clone()} role="tab" class={classes!("tab", props.active.then_some("active"))} onclick={props.onclick.clone()}>{ props.label.clone() }</button>
    }
}

//! Controlled form fields: Yew state is the source of truth, so every input writes back to it.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

pub(crate) fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

pub(crate) fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlSelectElement>().value()
}

/// A controlled text field's state and its `oninput`.
pub(crate) fn field(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(input_value(&e)))
}

/// A controlled `<select>`'s state and its `onchange`.
pub(crate) fn select_field(state: &UseStateHandle<String>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| state.set(select_value(&e)))
}

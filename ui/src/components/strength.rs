//! The new-password hint: the same rules the core refuses a weak password by
//! (`cairn_api::password`), said while the password is typed.

use cairn_api::password;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct StrengthProps {
    /// The password as typed.
    pub value: AttrValue,
    pub id: AttrValue,
}

/// Whether `pw` may be submitted as a new password.
pub(crate) fn acceptable(pw: &str) -> bool {
    password::weakness(pw).is_none()
}

#[function_component(StrengthHint)]
pub(crate) fn strength_hint(props: &StrengthProps) -> Html {
    if props.value.is_empty() {
        return html! { <p class="small muted" id={props.id.clone()} aria-live="polite">{ "At least 8 characters; a few unrelated words are easy to remember and hard to guess." }</p> };
    }
    match password::weakness(&props.value) {
        Some(w) => html! {
            <p class="small error" id={props.id.clone()} aria-live="polite">{ format!("Too weak: {}.", w.reason()) }</p>
        },
        None => {
            let bits = password::strength_bits(&props.value);
            let word = if bits >= 70 { "strong" } else { "good" };
            html! { <p class="small ok" id={props.id.clone()} aria-live="polite">{ format!("Strength: {word}.") }</p> }
        }
    }
}

//! The new-password hint: the same rules the core refuses a weak password by
//! (`cairn_api::password`), said while the password is typed.

use cairn_api::password;
use yew::prelude::*;

use crate::i18n::components as tr;

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
        return html! { <p class="small muted" id={props.id.clone()} aria-live="polite">{ tr::strength_empty() }</p> };
    }
    match password::weakness(&props.value) {
        Some(w) => html! {
            <p class="small error" id={props.id.clone()} aria-live="polite">{ tr::too_weak(tr::weakness(w)) }</p>
        },
        None => {
            let bits = password::strength_bits(&props.value);
            let word = if bits >= 70 { tr::strong() } else { tr::good() };
            html! { <p class="small ok" id={props.id.clone()} aria-live="polite">{ tr::strength(word) }</p> }
        }
    }
}

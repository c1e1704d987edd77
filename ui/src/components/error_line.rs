//! The line that says what went wrong: an `ApiError`'s message, announced to screen readers.

use cairn_api::{ApiError, ErrorCode};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct ErrorLineProps {
    /// Renders nothing without one, so a screen can pass its error state as it is.
    pub error: Option<ApiError>,
    #[prop_or_default]
    pub id: Option<AttrValue>,
}

#[function_component(ErrorLine)]
pub(crate) fn error_line(props: &ErrorLineProps) -> Html {
    let Some(error) = &props.error else {
        return html! {};
    };
    html! { <p class="error" role="alert" id={props.id.clone()}>{ error.message.clone() }</p> }
}

/// A refusal by the UI's own check, before the core is asked: it reads like the core's.
pub(crate) fn invalid_input(message: &str) -> ApiError {
    ApiError {
        code: ErrorCode::InvalidInput,
        message: message.to_string(),
    }
}

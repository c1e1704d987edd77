//! The line that says what went wrong: an `ApiError`'s message, announced to screen readers.
//! The core speaks English; in another language the line leads with the catalog's sentence for
//! the error's kind and keeps the core's words beside it, marked as English.

use cairn_api::{ApiError, ErrorCode};
use yew::prelude::*;

use crate::i18n;

/// Marks a message the UI wrote itself, already in the user's language. Invisible, and
/// stripped before display; an `ApiError` is the IPC type, so the mark rides in its text.
const LOCAL: char = '\u{2063}';

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
    html! { <p class="error" role="alert" id={props.id.clone()}>{ error_text(error) }</p> }
}

/// An error as the user reads it, for lines that are not an `ErrorLine`.
fn error_text(error: &ApiError) -> Html {
    if let Some(local) = error.message.strip_prefix(LOCAL) {
        return html! { { local.to_string() } };
    }
    match i18n::error_kind(error.code) {
        None => html! { { error.message.clone() } },
        Some(kind) => html! {
            <>{ kind }{ " " }<span class="core-words" lang="en">{ error.message.clone() }</span></>
        },
    }
}

/// A refusal by the UI's own check, before the core is asked: it reads like the core's.
/// `message` comes from the catalog, in the user's language.
pub(crate) fn invalid_input(message: &str) -> ApiError {
    ApiError {
        code: ErrorCode::InvalidInput,
        message: format!("{LOCAL}{message}"),
    }
}

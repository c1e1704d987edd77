//! A recovery phrase, one numbered word per line, to be written down.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct RecoveryWordsProps {
    pub id: AttrValue,
    pub phrase: AttrValue,
}

#[function_component(RecoveryWords)]
pub(crate) fn recovery_words(props: &RecoveryWordsProps) -> Html {
    html! {
        <ol class="words" id={props.id.clone()}>
            { for props.phrase.split(' ').map(|w| html! { <li>{ w.to_string() }</li> }) }
        </ol>
    }
}

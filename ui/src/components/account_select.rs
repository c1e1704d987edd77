//! Choosing one of the wallet's accounts, by name and address.

use cairn_api::Account;
use yew::prelude::*;

use super::select_value;
use crate::i18n::components as tr;

#[derive(Properties, PartialEq)]
pub(crate) struct AccountSelectProps {
    pub id: AttrValue,
    pub accounts: Vec<Account>,
    /// The address chosen.
    pub selected: AttrValue,
    /// Called with the address chosen.
    pub onchange: Callback<String>,
    /// Names smart accounts as such, where that changes what can be done (sending).
    #[prop_or_default]
    pub mark_smart: bool,
}

#[function_component(AccountSelect)]
pub(crate) fn account_select(props: &AccountSelectProps) -> Html {
    let onchange = props.onchange.reform(|e: Event| select_value(&e));
    html! {
        <select id={props.id.clone()} {onchange}>
            { for props.accounts.iter().map(|a| {
                let smart = if props.mark_smart && a.smart.is_some() { tr::smart_mark() } else { "" };
                html! {
                    <option value={a.address.clone()} selected={a.address == props.selected.as_str()}>{ format!("{}{smart} · {}", a.name, a.address) }</option>
                }
            }) }
        </select>
    }
}

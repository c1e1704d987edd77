//! The profile picker on the start screens: which of the device's independent wallets to open,
//! or a new empty one. Switching locks the wallet in use (the core does that).

use cairn_api::{cmd, ApiError, ProfileList, SwitchProfileRequest, WalletStatus};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{field, select_value, ErrorLine};
use crate::i18n::onboarding as tr;
use crate::ipc::{call, NoArgs, Request};
use crate::{screen_for, Screen};

#[derive(Properties, PartialEq)]
pub(crate) struct PickerProps {
    pub go: Callback<Screen>,
}

#[function_component(ProfilePicker)]
pub(crate) fn profile_picker(props: &PickerProps) -> Html {
    let list = use_state(|| None::<ProfileList>);
    let new_name = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    {
        let list = list.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(l) = call::<_, ProfileList>(cmd::PROFILES, &NoArgs {}).await {
                    list.set(Some(l));
                }
            });
        });
    }
    let switch = {
        let (list, error, new_name, go) = (
            list.clone(),
            error.clone(),
            new_name.clone(),
            props.go.clone(),
        );
        Callback::from(move |name: String| {
            let (list, error, new_name, go) =
                (list.clone(), error.clone(), new_name.clone(), go.clone());
            spawn_local(async move {
                let request = SwitchProfileRequest { name };
                match call::<_, WalletStatus>(cmd::SWITCH_PROFILE, &Request { request: &request })
                    .await
                {
                    Ok(status) => {
                        error.set(None);
                        new_name.set(String::new());
                        if let Ok(l) = call::<_, ProfileList>(cmd::PROFILES, &NoArgs {}).await {
                            list.set(Some(l));
                        }
                        go.emit(screen_for(status));
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let onchange = {
        let switch = switch.clone();
        Callback::from(move |e: Event| {
            switch.emit(select_value(&e));
        })
    };
    let onsubmit = {
        let (switch, new_name) = (switch.clone(), new_name.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            switch.emit(new_name.trim().to_string());
        })
    };
    let Some(l) = (*list).clone() else {
        return html! {};
    };
    html! {
        <section class="card profiles" id="profiles">
            <label for="profile-select">{ tr::profile() }</label>
            <select id="profile-select" {onchange}>
                { for l.profiles.iter().map(|p| html! {
                    <option value={p.clone()} selected={*p == l.current}>{ p.clone() }</option>
                }) }
            </select>
            <form class="inline" {onsubmit}>
                <input id="new-profile" type="text" placeholder={tr::new_profile_placeholder()} maxlength="32"
                    value={(*new_name).clone()} oninput={field(&new_name)} />
                <button id="create-profile" type="submit" disabled={new_name.trim().is_empty()}>{ tr::open_profile() }</button>
            </form>
            <ErrorLine error={(*error).clone()} id="profile-error" />
            <p class="muted">{ tr::profiles_note() }</p>
        </section>
    }
}

//! Contacts: names for addresses the user sends to. The core also checks each send's recipient
//! against them and the addresses already paid, so a look-alike is flagged in the review.

use cairn_api::{cmd, AddressRequest, ApiError, Contact};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{field, Address, ErrorLine};
use crate::i18n::settings as tr;
use crate::ipc::{call, NoArgs, Request};

#[function_component(ContactsCard)]
pub(crate) fn contacts_card() -> Html {
    let list = use_state(Vec::<Contact>::new);
    let name = use_state(String::new);
    let address = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let editing = use_state(|| false);
    {
        let list = list.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(l) = call::<_, Vec<Contact>>(cmd::CONTACTS, &NoArgs {}).await {
                    list.set(l);
                }
            });
        });
    }
    let add = {
        let (list, name, address, error, editing) = (
            list.clone(),
            name.clone(),
            address.clone(),
            error.clone(),
            editing.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = Contact {
                name: name.trim().to_string(),
                address: address.trim().to_string(),
            };
            let (list, name, address, error, editing) = (
                list.clone(),
                name.clone(),
                address.clone(),
                error.clone(),
                editing.clone(),
            );
            spawn_local(async move {
                match call::<_, Vec<Contact>>(cmd::ADD_CONTACT, &Request { request: &request })
                    .await
                {
                    Ok(l) => {
                        list.set(l);
                        name.set(String::new());
                        address.set(String::new());
                        editing.set(false);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    // Editing puts a contact in the form: saving under the same address renames it.
    let edit = |c: &Contact| {
        let (name, address, editing) = (name.clone(), address.clone(), editing.clone());
        let c = c.clone();
        Callback::from(move |_: MouseEvent| {
            name.set(c.name.clone());
            address.set(c.address.clone());
            editing.set(true);
        })
    };
    let remove = |c: &Contact| {
        let (list, error) = (list.clone(), error.clone());
        let request = AddressRequest {
            address: c.address.clone(),
        };
        Callback::from(move |_: MouseEvent| {
            let (list, error, request) = (list.clone(), error.clone(), request.clone());
            spawn_local(async move {
                match call::<_, Vec<Contact>>(cmd::REMOVE_CONTACT, &Request { request: &request })
                    .await
                {
                    Ok(l) => {
                        list.set(l);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <section class="card" id="contacts">
            <h2>{ tr::contacts() }</h2>
            <ul class="ops">
                { for list.iter().map(|c| html! {
                    <li class="contact">
                        <b>{ c.name.clone() }</b>{ " " }<Address address={c.address.clone()} />
                        <span class="row-actions">
                            <button class="link contact-edit" onclick={edit(c)} aria-label={tr::rename_contact(&c.name)}>{ tr::rename() }</button>
                            <button class="link contact-remove" onclick={remove(c)} aria-label={tr::delete_contact(&c.name)}>{ tr::delete() }</button>
                        </span>
                    </li>
                }) }
            </ul>
            <form onsubmit={add}>
                <label for="contact-name">{ tr::name() }</label>
                <input id="contact-name" type="text" placeholder={tr::name_placeholder()} required=true value={(*name).clone()} oninput={field(&name)} />
                <label for="contact-address">{ tr::address() }</label>
                <input id="contact-address" type="text" class="mono" placeholder="0x…" required=true readonly={*editing} value={(*address).clone()} oninput={field(&address)} />
                <button id="contact-add" type="submit" class="secondary wide">{ if *editing { tr::save_name() } else { tr::add_contact() } }</button>
            </form>
            <ErrorLine error={(*error).clone()} id="contact-error" />
        </section>
    }
}

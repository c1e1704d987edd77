//! The appearance card: light, dark, or as the system says; English, German, or as the system
//! says; system notifications on or off.

use yew::prelude::*;

use crate::components::{select_value, set_system_wanted, system_wanted};
use crate::i18n::{self, notices, settings as tr};
use crate::{theme, LangHandle};

#[function_component(AppearanceCard)]
pub(crate) fn appearance_card() -> Html {
    let choice = use_state(theme::choice);
    let lang = use_context::<LangHandle>();
    let change = {
        let choice = choice.clone();
        Callback::from(move |e: Event| {
            let v = select_value(&e);
            theme::set(&v);
            choice.set(v);
        })
    };
    let change_lang = Callback::from(move |e: Event| {
        let now = i18n::set(&select_value(&e));
        if let Some(lang) = &lang {
            lang.set(now);
        }
    });
    let lang_choice = i18n::choice();
    let system = use_state(system_wanted);
    let toggle_system = {
        let system = system.clone();
        Callback::from(move |_| {
            set_system_wanted(!*system);
            system.set(!*system);
        })
    };
    let themes = [
        ("system", tr::as_system()),
        ("light", tr::light()),
        ("dark", tr::dark()),
    ];
    // Each language is named in itself: whoever cannot read the current one finds their own.
    let langs = [
        ("system", tr::as_system()),
        ("en", "English"),
        ("de", "Deutsch"),
    ];
    html! {
        <section class="card" id="appearance">
            <h2>{ tr::appearance() }</h2>
            <label for="theme">{ tr::theme() }</label>
            <select id="theme" onchange={change}>
                { for themes.iter().map(|(v, label)| html! {
                    <option value={*v} selected={*choice == *v}>{ *label }</option>
                }) }
            </select>
            <label for="language">{ tr::language() }</label>
            <select id="language" onchange={change_lang}>
                { for langs.iter().map(|(v, label)| html! {
                    <option value={*v} selected={lang_choice == *v} lang={(*v != "system").then_some(*v)}>{ *label }</option>
                }) }
            </select>
            <label class="check"><input id="system-notices" type="checkbox" checked={*system} onclick={toggle_system} />{ notices::system() }</label>
            <p class="small muted">{ notices::system_note() }</p>
        </section>
    }
}

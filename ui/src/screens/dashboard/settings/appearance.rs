//! The appearance card: light, dark, or as the system says.

use yew::prelude::*;

use crate::components::select_value;
use crate::theme;

#[function_component(AppearanceCard)]
pub(crate) fn appearance_card() -> Html {
    let choice = use_state(theme::choice);
    let change = {
        let choice = choice.clone();
        Callback::from(move |e: Event| {
            let v = select_value(&e);
            theme::set(&v);
            choice.set(v);
        })
    };
    let options = [
        ("system", "As the system"),
        ("light", "Light"),
        ("dark", "Dark"),
    ];
    html! {
        <section class="card" id="appearance">
            <h2>{ "Appearance" }</h2>
            <label for="theme">{ "Theme" }</label>
            <select id="theme" onchange={change}>
                { for options.iter().map(|(v, label)| html! {
                    <option value={*v} selected={*choice == *v}>{ *label }</option>
                }) }
            </select>
        </section>
    }
}

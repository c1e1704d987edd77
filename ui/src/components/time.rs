//! Times as people read them: the time of day on each line, lines grouped under their day
//! ("Today", "Yesterday", "Mon 30 Nov 2026"), the full date and time on hover. Local time, from
//! the block's timestamp (history) or when the wallet made the operation (activity).

use js_sys::Date;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::i18n::time as tr;

/// Now, in unix seconds (the browser's clock).
pub(crate) fn unix_now() -> u64 {
    (Date::now() / 1000.0) as u64
}

/// A span still to run, `secs` long: "2 d 3 h", "1 h 5 min", "10 min".
pub(crate) fn span(secs: u64) -> String {
    if secs >= 86_400 {
        tr::span_days(secs / 86_400, (secs % 86_400) / 3600)
    } else if secs >= 3600 {
        tr::span_hours(secs / 3600, (secs % 3600) / 60)
    } else {
        tr::span_minutes(secs.div_ceil(60))
    }
}

fn date(secs: i64) -> Date {
    Date::new(&JsValue::from_f64(secs as f64 * 1000.0))
}

/// The local calendar day of `secs`, as a sortable key.
pub(crate) fn day_key(secs: i64) -> (u32, u32, u32) {
    let d = date(secs);
    (d.get_full_year(), d.get_month(), d.get_date())
}

/// "Today", "Yesterday" or "Mon 30 Nov 2026".
pub(crate) fn day_label(secs: i64) -> String {
    let now = (Date::now() / 1000.0) as i64;
    let key = day_key(secs);
    if key == day_key(now) {
        return tr::today().into();
    }
    if key == day_key(now - 86_400) {
        return tr::yesterday().into();
    }
    let d = date(secs);
    tr::date(
        tr::weekday(d.get_day()),
        d.get_date(),
        tr::month(d.get_month()),
        d.get_full_year(),
    )
}

#[derive(Properties, PartialEq)]
pub(crate) struct WhenProps {
    /// Unix seconds; 0 when not known.
    pub at: i64,
}

/// The time of day ("14:05"), with the full date and time on hover.
#[function_component(When)]
pub(crate) fn when(props: &WhenProps) -> Html {
    if props.at <= 0 {
        return html! {};
    }
    let d = date(props.at);
    let iso = d.to_iso_string().as_string().unwrap_or_default();
    let full = tr::day_time(
        day_label(props.at),
        format!("{:02}:{:02}", d.get_hours(), d.get_minutes()),
    );
    html! {
        <time class="small muted when" datetime={iso} title={full}>
            { format!("{:02}:{:02}", d.get_hours(), d.get_minutes()) }
        </time>
    }
}

/// The day header to put before a line dated `at`, when it starts a new day after `previous`.
pub(crate) fn day_break(previous: Option<i64>, at: i64) -> Html {
    if at <= 0 || previous.is_some_and(|p| p > 0 && day_key(p) == day_key(at)) {
        return html! {};
    }
    html! { <li class="day"><h3>{ day_label(at) }</h3></li> }
}

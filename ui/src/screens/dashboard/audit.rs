//! The audit tab: the wallet's tamper-evident log, newest first, and whether its hash chain
//! still verifies.

use cairn_api::{cmd, ApiError, AuditLog};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::ErrorLine;
use crate::i18n::activity as tr;
use crate::ipc::{call, NoArgs};

#[function_component(AuditPage)]
pub(crate) fn audit_page() -> Html {
    let log = use_state(|| None::<Result<AuditLog, ApiError>>);
    {
        let log = log.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                log.set(Some(call::<_, AuditLog>(cmd::AUDIT_LOG, &NoArgs {}).await))
            });
        });
    }
    let body = match &*log {
        None => html! { <p class="muted">{ "…" }</p> },
        Some(Err(e)) => html! { <ErrorLine error={Some(e.clone())} /> },
        Some(Ok(log)) => html! {
            <>
                { match &log.tampered {
                    None => html! { <p class="ok" id="audit-intact">{ tr::chain_intact(log.entries.len()) }</p> },
                    // A finding of the check, not an `ApiError`: the log was read fine.
                    Some(what) => html! { <p class="error" role="alert" id="audit-tampered">{ tr::tampered(what) }</p> },
                } }
                <table class="audit" id="audit-table">
                    <thead><tr><th>{ "#" }</th><th>{ tr::when_utc() }</th><th>{ tr::event() }</th><th>{ tr::outcome() }</th><th>{ tr::detail() }</th></tr></thead>
                    <tbody>
                        { for log.entries.iter().map(|e| html! {
                            <tr class={classes!((e.outcome != "ok").then_some("bad"))}>
                                <td>{ e.seq }</td><td>{ utc(e.at) }</td><td class="event">{ &e.event }</td><td>{ &e.outcome }</td><td class="detail">{ &e.detail }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </>
        },
    };
    html! { <section class="card">{ body }</section> }
}

/// Unix seconds as `YYYY-MM-DD HH:MM` UTC, without a date library in the wasm.
fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(super::utc(0), "1970-01-01 00:00");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00");
        assert_eq!(super::utc(1_795_319_297), "2026-11-22 03:48");
        assert_eq!(super::utc(-1), "1969-12-31 23:59");
    }
}

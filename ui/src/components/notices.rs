//! News the core tells while the wallet is open (funds arrived, a send ended): worded in the
//! user's language, listed at the top of the dashboard until dismissed, and handed to the
//! system's notifications when the window is not in front (a choice in Settings → Appearance,
//! kept in localStorage like the theme).

use cairn_api::{cmd, Notice, NotifyRequest, RecoveryCancelRequest};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::short;
use crate::components::time::{span, unix_now};
use crate::i18n::{notices as tr, number, recovery as rt};
use crate::ipc::{call, Request};
use crate::{LiveAction, LiveHandle};

const KEY: &str = "cairn.notify";

/// Whether system notifications are wanted (on unless turned off).
pub(crate) fn system_wanted() -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .is_none_or(|v| v != "off")
}

pub(crate) fn set_system_wanted(on: bool) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        // A full or disabled storage only loses the choice at the next start.
        let _ = s.set_item(KEY, if on { "on" } else { "off" });
    }
}

/// A notice's title and body, in the current language.
pub(crate) fn words(notice: &Notice) -> (String, String) {
    match notice {
        Notice::Received {
            account,
            amount,
            symbol,
            from,
            ..
        } => (
            tr::received(number(amount), symbol),
            match from {
                Some(from) => tr::received_at(short(account), short(from)),
                None => tr::received_at_unknown(short(account)),
            },
        ),
        Notice::Settled { operation: op } => match (op.state.as_str(), op.kind.as_str()) {
            ("confirmed", "cancel") => (tr::cancelled().to_string(), short(&op.from)),
            ("confirmed", "guardian_setup") => (rt::guardians_set().to_string(), short(&op.from)),
            ("confirmed", "recovery_schedule") => {
                (rt::recovery_scheduled_done().to_string(), short(&op.from))
            }
            ("confirmed", "recovery_approve") => {
                (rt::recovery_approved_done().to_string(), short(&op.from))
            }
            ("confirmed", "recovery_execute") => (rt::recovery_done().to_string(), short(&op.from)),
            ("confirmed", "recovery_cancel") => {
                (rt::recovery_cancelled().to_string(), short(&op.from))
            }
            ("confirmed", _) => (
                tr::sent(number(&op.amount), &op.symbol),
                tr::confirmed_to(short(&op.to)),
            ),
            _ => (
                tr::failed().to_string(),
                // The core's reason is English; the user has the recipient to know which.
                op.error
                    .clone()
                    .unwrap_or_else(|| tr::failed_to(short(&op.to))),
            ),
        },
        Notice::RecoveryScheduled {
            account,
            new_owner,
            ready_at,
            ..
        } => {
            let left = ready_at
                .map(|t| t.saturating_sub(unix_now()))
                .unwrap_or_default();
            (
                rt::alert_title().to_string(),
                rt::alert_body(short(account), short(new_owner), span(left)),
            )
        }
        Notice::ScheduledCall {
            account,
            cancelled,
            error,
            ..
        } => (
            if *cancelled {
                rt::call_cancelled().to_string()
            } else {
                rt::call_not_cancelled().to_string()
            },
            match error {
                Some(e) => e.clone(),
                None => short(account),
            },
        ),
    }
}

/// The owner's one action on an alert: cancel the scheduled owner change.
fn cancel_button(live: &LiveHandle, notice_id: u64, account: &str, id: &str) -> Html {
    let request = RecoveryCancelRequest {
        account: account.to_string(),
        id: id.to_string(),
        mfa_code: None,
    };
    let live = live.clone();
    let cancel = Callback::from(move |_| {
        let (request, live) = (request.clone(), live.clone());
        spawn_local(async move {
            if call::<_, cairn_api::Operation>(cmd::RECOVERY_CANCEL, &Request { request: &request })
                .await
                .is_ok()
            {
                live.dispatch(LiveAction::Dismiss(notice_id));
            }
        });
    });
    html! { <button class="danger small notice-cancel" onclick={cancel}>{ rt::cancel() }</button> }
}

pub(crate) fn in_front() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| !d.hidden() && d.has_focus().unwrap_or(true))
}

/// Tells the system (when nobody looks at the window) that an app waits for an answer.
pub(crate) fn approval_waiting(label: &str) {
    if in_front() || !system_wanted() {
        return;
    }
    let request = NotifyRequest {
        title: crate::i18n::bridge::waiting_title().to_string(),
        body: crate::i18n::bridge::waiting_body(label),
    };
    spawn_local(async move {
        let _ = call::<_, ()>(cmd::NOTIFY, &Request { request: &request }).await;
    });
}

/// Takes a notice from the core: into the list, and to the system when nobody looks.
pub(crate) fn arrived(live: &LiveHandle, notice: Notice) {
    if !in_front() && system_wanted() {
        let (title, body) = words(&notice);
        spawn_local(async move {
            let request = NotifyRequest { title, body };
            // The shell logs a missing notification service; the list below shows it anyway.
            let _ = call::<_, ()>(cmd::NOTIFY, &Request { request: &request }).await;
        });
    }
    live.dispatch(LiveAction::Notice(notice));
}

/// The list of notices not yet dismissed, newest first.
#[function_component(Notices)]
pub(crate) fn notices() -> Html {
    let Some(live) = use_context::<LiveHandle>() else {
        return html! {};
    };
    if live.notices.is_empty() {
        return html! {};
    }
    html! {
        <section class="notices" id="notices" role="status" aria-label={tr::region()}>
            { for live.notices.iter().rev().map(|(id, notice)| {
                let (title, body) = words(notice);
                let dismiss = {
                    let (live, id) = (live.clone(), *id);
                    Callback::from(move |_| live.dispatch(LiveAction::Dismiss(id)))
                };
                let failed = matches!(notice, Notice::Settled { operation } if operation.state == "failed")
                    || matches!(notice, Notice::RecoveryScheduled { .. } | Notice::ScheduledCall { cancelled: false, .. });
                let action = match notice {
                    Notice::RecoveryScheduled { account, id: op, .. } => cancel_button(&live, *id, account, op),
                    _ => html! {},
                };
                html! {
                    <div class={classes!("notice", failed.then_some("failed"))}>
                        <div><b class="notice-title">{ title }</b><div class="small muted">{ body }</div>{ action }</div>
                        <button class="secondary small" onclick={dismiss} aria-label={tr::dismiss()}>{ "×" }</button>
                    </div>
                }
            }) }
        </section>
    }
}

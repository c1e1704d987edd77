//! What a guarded action adds to a review: the risk view, the override when the risk reaches
//! the policy's block score, and the second factor's code. The core decides and enforces; this
//! only asks for what it may want and passes it on.

use cairn_api::{ApiError, Operation, RiskReport, SendRequest, UserOpRequest};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::{field, RiskView};
use crate::i18n::components as tr;
use crate::ipc::{call, Request};

/// A request the policy may guard: it carries the second factor's code and the risk override.
pub(crate) trait Guarded {
    fn guard(&mut self, code: Option<String>, override_risk: bool);
}

impl Guarded for SendRequest {
    fn guard(&mut self, code: Option<String>, override_risk: bool) {
        self.mfa_code = code;
        self.override_risk = override_risk;
    }
}

impl Guarded for UserOpRequest {
    fn guard(&mut self, code: Option<String>, override_risk: bool) {
        self.mfa_code = code;
        self.override_risk = override_risk;
    }
}

/// What the review screen adds to the reviewed request: the code typed, the override ticked.
#[derive(Clone, PartialEq)]
pub(crate) struct Guard {
    pub code: UseStateHandle<String>,
    pub override_risk: UseStateHandle<bool>,
}

#[hook]
pub(crate) fn use_guard() -> Guard {
    Guard {
        code: use_state(String::new),
        override_risk: use_state(|| false),
    }
}

/// "Confirm and send": signs and queues what was reviewed (with the code and the override given
/// on the review screen); a refusal goes back to the form with its reason.
pub(crate) fn confirm_guarded<R, Q>(
    command: &'static str,
    reviewed: &UseStateHandle<Option<(R, Q)>>,
    error: &UseStateHandle<Option<ApiError>>,
    busy: &UseStateHandle<bool>,
    sent: &Callback<Operation>,
    guard: &Guard,
) -> Callback<MouseEvent>
where
    R: serde::Serialize + Clone + Guarded + 'static,
    Q: Clone + 'static,
{
    let (reviewed, error, busy, sent, guard) = (
        reviewed.clone(),
        error.clone(),
        busy.clone(),
        sent.clone(),
        guard.clone(),
    );
    Callback::from(move |_| {
        let Some((mut request, _)) = (*reviewed).clone() else {
            return;
        };
        let code = guard.code.trim().to_string();
        request.guard((!code.is_empty()).then_some(code), *guard.override_risk);
        let (reviewed, error, busy, sent) =
            (reviewed.clone(), error.clone(), busy.clone(), sent.clone());
        busy.set(true);
        spawn_local(async move {
            match call::<_, Operation>(command, &Request { request: &request }).await {
                Ok(op) => sent.emit(op),
                Err(e) => {
                    error.set(Some(e));
                    reviewed.set(None);
                }
            }
            busy.set(false);
        });
    })
}

#[derive(Properties, PartialEq)]
pub(crate) struct GuardFieldsProps {
    pub risk: Option<RiskReport>,
    pub guard: Guard,
    /// The policy's block score: from it on, only an explicit override sends.
    pub block_score: u32,
    /// Whether the second factor is on (only then can the policy ask for a code).
    pub mfa_on: bool,
}

#[function_component(GuardFields)]
pub(crate) fn guard_fields(props: &GuardFieldsProps) -> Html {
    let blocked = props
        .risk
        .as_ref()
        .is_some_and(|r| r.score >= props.block_score);
    let toggle = {
        let o = props.guard.override_risk.clone();
        Callback::from(move |_| o.set(!*o))
    };
    html! {
        <>
            if let Some(r) = &props.risk { <RiskView report={r.clone()} /> }
            if blocked {
                <label class="check error"><input id="send-override" type="checkbox" checked={*props.guard.override_risk} onclick={toggle} />{ tr::risk_override() }</label>
            }
            if props.mfa_on {
                <CodeInput id="send-mfa-code" label={tr::guard_code()} state={props.guard.code.clone()} />
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct CodeInputProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub state: UseStateHandle<String>,
    /// Off where the policy may not ask for a code at all (a send under its limits).
    #[prop_or_default]
    pub required: bool,
}

/// A labelled field for an authenticator code (or a recovery code): numeric keyboard, and the
/// one-time-code autofill phones offer.
#[function_component(CodeInput)]
pub(crate) fn code_input(props: &CodeInputProps) -> Html {
    html! {
        <>
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <input id={props.id.clone()} type="text" inputmode="numeric" autocomplete="one-time-code" required={props.required} value={(*props.state).clone()} oninput={field(&props.state)} />
        </>
    }
}

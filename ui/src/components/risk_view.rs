//! The risk part of a review: what the simulation foresees and the warnings, worst first.

use cairn_api::RiskReport;
use yew::prelude::*;

use super::{Amount, AmountLook};
use crate::i18n::components as tr;

#[derive(Properties, PartialEq)]
pub(crate) struct RiskProps {
    pub report: RiskReport,
}

/// A warning's severity as its label: the catalog's word for the core's four, an unknown one as
/// the core named it.
fn severity(name: &str) -> String {
    match name {
        "critical" => tr::critical().into(),
        "high" => tr::high().into(),
        "medium" => tr::medium().into(),
        "low" => tr::low().into(),
        other => other.to_uppercase(),
    }
}

#[function_component(RiskView)]
pub(crate) fn risk_view(props: &RiskProps) -> Html {
    let r = &props.report;
    let mut warnings = r.warnings.clone();
    let rank = |s: &str| match s {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        _ => 3,
    };
    warnings.sort_by_key(|w| rank(&w.severity));
    html! {
        <div class="risk" id="review-risk">
            <p class={classes!("score", if r.score >= 60 { "high" } else if r.score >= 30 { "medium" } else { "low" })} id="review-score">
                { tr::risk_score(r.score) }
            </p>
            if !r.simulation.success {
                <p class="error" id="review-reverts">{ tr::simulation_fails(r.simulation.revert_reason.clone().unwrap_or_default()) }</p>
            }
            <ul class="changes" id="review-changes">
                { for r.simulation.changes.iter().map(|c| html! { <Amount amount={c.amount.clone()} symbol={c.symbol.clone()} look={AmountLook::Change} /> }) }
                { for r.simulation.approvals.iter().map(|a| html! { <li class="mono">{ tr::approval(&a.amount, a.symbol.clone().unwrap_or(a.token.clone()), &a.spender) }</li> }) }
            </ul>
            <ul class="warnings" id="review-warnings">
                { for warnings.iter().map(|w| html! {
                    <li class={classes!("warning", w.severity.clone())}><b>{ severity(&w.severity) }</b>{ " " }{ w.message.clone() }</li>
                }) }
            </ul>
            if let Some(u) = &r.simulation.unchecked { <p class="muted small">{ tr::not_checked(u) }</p> }
        </div>
    }
}

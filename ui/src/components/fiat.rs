//! A value in the user's fiat currency, as the core computed it (the UI does no arithmetic on
//! money): digits grouped, the currency's sign, and where the price came from and how old it
//! is on hover; a stale price is marked so nobody mistakes it for today's.

use cairn_api::FiatValue;
use yew::prelude::*;

use crate::i18n::components as tr;

/// `7500.00` in USD → `$7,500.00`, EUR → `€7,500.00`, GBP → `£7,500.00`, other codes
/// (CHF) → `7,500.00 CHF`; in German `7.500,00 $` and `7.500,00 €`, the sign after the number
/// as German writes it.
pub(crate) fn fiat_text(v: &FiatValue) -> String {
    let (whole, cents) = v
        .amount
        .split_once('.')
        .unwrap_or((v.amount.as_str(), "00"));
    let n = crate::i18n::number(&format!("{whole}.{cents}"));
    let sign = match v.currency.as_str() {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        code => return format!("{n} {code}"),
    };
    match crate::i18n::lang() {
        crate::i18n::Lang::En => format!("{sign}{n}"),
        crate::i18n::Lang::De => format!("{n}\u{a0}{sign}"),
    }
}

/// "price from Chainlink, 4 min ago" for a price dated `at` (unix seconds).
pub(crate) fn price_origin(source: &str, at: u64) -> String {
    let ago = ago(crate::components::time::unix_now().saturating_sub(at));
    match source {
        "chainlink" => tr::price_from_chainlink(ago),
        "rest" => tr::price_from_service(ago),
        other => tr::price_from(other, ago),
    }
}

/// A duration in words, as people say it.
pub(crate) fn ago(secs: u64) -> String {
    match secs {
        0..=59 => tr::just_now().into(),
        60..=119 => tr::a_minute_ago().into(),
        120..=3_599 => tr::minutes_ago(secs / 60),
        3_600..=7_199 => tr::an_hour_ago().into(),
        7_200..=86_399 => tr::hours_ago(secs / 3_600),
        86_400..=172_799 => tr::yesterday().into(),
        _ => tr::days_ago(secs / 86_400),
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct FiatProps {
    pub value: Option<FiatValue>,
    #[prop_or_default]
    pub id: Option<AttrValue>,
    #[prop_or_default]
    pub class: Classes,
}

/// The value, or "—" when there is no price.
#[function_component(Fiat)]
pub(crate) fn fiat(props: &FiatProps) -> Html {
    let id = props.id.clone();
    match &props.value {
        None => {
            html! { <span class={classes!("fiat", "muted", props.class.clone())} {id} title={tr::no_price()}>{ "—" }</span> }
        }
        Some(v) => {
            let title = price_origin(&v.source, v.priced_at);
            html! {
                <span class={classes!("fiat", v.stale.then_some("stale"), props.class.clone())} {id} {title}>
                    { fiat_text(v) }
                    if v.stale { <span class="chip warn small">{ tr::stale_price() }</span> }
                </span>
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fiat_text;
    use cairn_api::FiatValue;

    fn v(amount: &str, currency: &str) -> FiatValue {
        FiatValue {
            amount: amount.into(),
            currency: currency.into(),
            stale: false,
            source: "chainlink".into(),
            priced_at: 0,
        }
    }

    #[test]
    fn digits_are_grouped_and_the_sign_leads() {
        assert_eq!(fiat_text(&v("7500.00", "USD")), "$7,500.00");
        assert_eq!(fiat_text(&v("27777.77", "EUR")), "€27,777.77");
        assert_eq!(fiat_text(&v("6000.00", "GBP")), "£6,000.00");
        assert_eq!(fiat_text(&v("0.06", "USD")), "$0.06");
        assert_eq!(fiat_text(&v("1234567.00", "CHF")), "1,234,567.00 CHF");
        assert_eq!(fiat_text(&v("100", "USD")), "$100.00");
    }
}

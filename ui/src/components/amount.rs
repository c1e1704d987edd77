//! An amount with its symbol, as the core formatted it (the UI never does arithmetic on money):
//! shown to six significant digits, cut digits marked "…", the full amount on hover.

use yew::prelude::*;

/// The places an amount is shown.
#[derive(Clone, Copy, PartialEq, Default)]
pub(crate) enum AmountLook {
    /// An account's balance, large: `p.balance`.
    Balance,
    /// The value of a review line: `dd`.
    Field,
    /// The right-hand side of an activity or history line: `span.amount`.
    #[default]
    Line,
    /// One of the changes a simulation foresees: `li.mono`.
    Change,
}

#[derive(Properties, PartialEq)]
pub(crate) struct AmountProps {
    pub amount: AttrValue,
    pub symbol: AttrValue,
    /// Put before the amount, for lists that show direction ("+", "−").
    #[prop_or_default]
    pub sign: AttrValue,
    #[prop_or_default]
    pub look: AmountLook,
    #[prop_or_default]
    pub id: Option<AttrValue>,
}

/// Decimal text cut to `sig` significant digits (never inside the whole part), and whether
/// anything was cut. Digits are dropped, not rounded: no arithmetic on money here.
pub(crate) fn shorten(amount: &str, sig: usize) -> (String, bool) {
    let Some((whole, frac)) = amount.split_once('.') else {
        return (amount.to_string(), false);
    };
    let digits = whole.trim_start_matches(['-', '+']);
    let keep = if digits.trim_start_matches('0').is_empty() {
        // 0.000123456789: the zeros after the point are not significant.
        let zeros = frac.len() - frac.trim_start_matches('0').len();
        zeros + sig
    } else {
        sig.saturating_sub(digits.len()).max(1)
    };
    if frac.len() <= keep {
        return (amount.to_string(), false);
    }
    (format!("{whole}.{}", &frac[..keep]), true)
}

#[function_component(Amount)]
pub(crate) fn amount(props: &AmountProps) -> Html {
    // One text node, as before: the GUI test compares the whole text ("10.0 ETH").
    let (shown, cut) = shorten(&props.amount, 6);
    let shown = crate::i18n::number(&shown);
    let text = format!(
        "{}{shown}{} {}",
        props.sign,
        if cut { "…" } else { "" },
        props.symbol
    );
    let title = cut.then(|| {
        format!(
            "{}{} {}",
            props.sign,
            crate::i18n::number(&props.amount),
            props.symbol
        )
    });
    let id = props.id.clone();
    match props.look {
        AmountLook::Balance => html! { <p class="balance" {id} {title}>{ text }</p> },
        AmountLook::Field => html! { <dd {id} {title}>{ text }</dd> },
        AmountLook::Line => html! { <span class="amount" {id} {title}>{ text }</span> },
        AmountLook::Change => html! { <li class="mono" {id} {title}>{ text }</li> },
    }
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn six_significant_digits_and_never_inside_the_whole_part() {
        assert_eq!(shorten("10.0", 6), ("10.0".into(), false));
        assert_eq!(
            shorten("0.000023324390754", 6),
            ("0.0000233243".into(), true)
        );
        assert_eq!(shorten("8.999979", 6), ("8.99997".into(), true));
        assert_eq!(shorten("1234567.891", 6), ("1234567.8".into(), true));
        assert_eq!(shorten("-1.23456789", 6), ("-1.23456".into(), true));
        assert_eq!(shorten("42", 6), ("42".into(), false));
        // Whatever is cut, the text kept is a prefix of the amount: digits are never changed.
        for a in ["0.000000000000000001", "123.456789012345678", "0.1"] {
            let (s, _) = shorten(a, 6);
            assert!(a.starts_with(&s), "{a} -> {s}");
        }
    }
}

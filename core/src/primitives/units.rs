//! Parsing and formatting of amounts and addresses: the one place where text becomes money or
//! an address and back. Amounts are integer base units (`U256`) throughout; no float ever
//! touches a value.

use alloy::primitives::{Address, U256};

/// Why a piece of text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("the amount is empty")]
    Empty,
    #[error("the amount has a character that is not a digit or one decimal point")]
    InvalidCharacter,
    #[error("the amount has more than {decimals} decimal places")]
    TooManyDecimals { decimals: u8 },
    #[error("the amount is too large")]
    Overflow,
    #[error("{decimals} decimals is more than any token uses")]
    UnsupportedDecimals { decimals: u8 },
}

/// Why a piece of text is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("an address is 0x followed by 40 hex characters")]
    Malformed,
    #[error("the address's mixed-case checksum (EIP-55) does not match: check for a typo")]
    BadChecksum,
}

/// 10^77 is the largest power of ten a U256 holds; more decimals than that cannot be formatted.
const MAX_DECIMALS: u8 = 77;

fn ten_pow(decimals: u8) -> Result<U256, AmountError> {
    if decimals > MAX_DECIMALS {
        return Err(AmountError::UnsupportedDecimals { decimals });
    }
    Ok(U256::from(10u8).pow(U256::from(decimals)))
}

/// Formats base units in a currency of `decimals` decimals, e.g. `1500000000000000000` with
/// 18 decimals as `1.5`. Always at least one digit after the point, no trailing zeros beyond it.
pub fn format_units(value: U256, decimals: u8) -> Result<String, AmountError> {
    let unit = ten_pow(decimals)?;
    let whole = value / unit;
    if decimals == 0 {
        return Ok(whole.to_string());
    }
    let frac = (value % unit).to_string();
    let padded = format!("{frac:0>width$}", width = usize::from(decimals));
    let trimmed = padded.trim_end_matches('0');
    let frac = if trimmed.is_empty() { "0" } else { trimmed };
    Ok(format!("{whole}.{frac}"))
}

/// Parses a decimal amount such as `1.5` or `.25` into base units of a currency with
/// `decimals` decimals. Refuses signs, exponents, separators and excess precision instead of
/// rounding: a wallet must never send an amount other than the one typed.
pub fn parse_units(text: &str, decimals: u8) -> Result<U256, AmountError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(AmountError::InvalidCharacter);
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountError::InvalidCharacter);
    }
    if frac.len() > usize::from(decimals) {
        return Err(AmountError::TooManyDecimals { decimals });
    }
    let unit = ten_pow(decimals)?;
    let whole_value = if whole.is_empty() {
        U256::ZERO
    } else {
        U256::from_str_radix(whole, 10).map_err(|_| AmountError::Overflow)?
    };
    let frac_value = if frac.is_empty() {
        U256::ZERO
    } else {
        let scale = ten_pow(decimals - frac.len() as u8)?;
        let digits = U256::from_str_radix(frac, 10).map_err(|_| AmountError::Overflow)?;
        digits.checked_mul(scale).ok_or(AmountError::Overflow)?
    };
    whole_value
        .checked_mul(unit)
        .and_then(|v| v.checked_add(frac_value))
        .ok_or(AmountError::Overflow)
}

/// Parses an address. All-lowercase or all-uppercase hex is accepted as typed; mixed case must
/// carry a valid EIP-55 checksum, because a wrong one means a typo.
pub fn parse_address(text: &str) -> Result<Address, AddressError> {
    let text = text.trim();
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or(AddressError::Malformed)?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AddressError::Malformed);
    }
    let mut raw = [0u8; 20];
    hex::decode_to_slice(hex, &mut raw).map_err(|_| AddressError::Malformed)?;
    let address = Address::from(raw);
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper && format_address(&address)[2..] != *hex {
        return Err(AddressError::BadChecksum);
    }
    Ok(address)
}

/// The EIP-55 checksummed form, the only form Cairn shows.
pub fn format_address(address: &Address) -> String {
    address.to_checksum(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_whole_and_fractional_ether() {
        let one_and_half = U256::from(1_500_000_000_000_000_000u128);
        assert_eq!(format_units(one_and_half, 18).unwrap(), "1.5");
        assert_eq!(format_units(U256::ZERO, 18).unwrap(), "0.0");
        assert_eq!(
            format_units(U256::from(1u8), 18).unwrap(),
            "0.000000000000000001"
        );
        assert_eq!(format_units(U256::from(1234u32), 0).unwrap(), "1234");
        assert_eq!(format_units(U256::MAX, 18).unwrap().len(), 78 + 1);
        assert!(matches!(
            format_units(U256::from(1u8), 78),
            Err(AmountError::UnsupportedDecimals { decimals: 78 })
        ));
    }

    #[test]
    fn parses_what_a_user_types() {
        assert_eq!(
            parse_units("1.5", 18).unwrap(),
            U256::from(1_500_000_000_000_000_000u128)
        );
        assert_eq!(parse_units(".25", 2).unwrap(), U256::from(25u8));
        assert_eq!(parse_units("7.", 6).unwrap(), U256::from(7_000_000u32));
        assert_eq!(parse_units(" 42 ", 0).unwrap(), U256::from(42u8));
    }

    #[test]
    fn refuses_what_is_not_exactly_an_amount() {
        assert_eq!(parse_units("", 18), Err(AmountError::Empty));
        assert_eq!(parse_units(".", 18), Err(AmountError::InvalidCharacter));
        assert_eq!(parse_units("-1", 18), Err(AmountError::InvalidCharacter));
        assert_eq!(parse_units("1e18", 18), Err(AmountError::InvalidCharacter));
        assert_eq!(parse_units("1,5", 18), Err(AmountError::InvalidCharacter));
        assert_eq!(parse_units("1.2.3", 18), Err(AmountError::InvalidCharacter));
        assert_eq!(
            parse_units("0.1234567", 6),
            Err(AmountError::TooManyDecimals { decimals: 6 })
        );
        let too_big = format!("{}0", U256::MAX);
        assert_eq!(parse_units(&too_big, 0), Err(AmountError::Overflow));
        assert_eq!(
            parse_units(&U256::MAX.to_string(), 1),
            Err(AmountError::Overflow)
        );
    }

    // EIP-55's published vectors are checked in `core/tests/conformance.rs`.

    #[test]
    fn a_flipped_case_is_a_checksum_error() {
        let typo = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
        assert_eq!(parse_address(typo), Err(AddressError::BadChecksum));
        assert_eq!(
            parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"),
            Err(AddressError::Malformed)
        );
        assert_eq!(
            parse_address("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            Err(AddressError::Malformed)
        );
        assert_eq!(
            parse_address("0xzaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            Err(AddressError::Malformed)
        );
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(limbs in any::<[u64; 4]>(), decimals in 0u8..=77) {
            let value = U256::from_limbs(limbs);
            let text = format_units(value, decimals).unwrap();
            prop_assert_eq!(parse_units(&text, decimals).unwrap(), value);
        }

        #[test]
        fn format_agrees_with_alloy(value in any::<u128>(), decimals in 0u8..=36) {
            let ours = format_units(U256::from(value), decimals).unwrap();
            let theirs = alloy::primitives::utils::format_units(U256::from(value), decimals).unwrap();
            // alloy pads fractions to full width; compare numerically-equal forms.
            let trim = |s: &str| if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s.to_string() };
            prop_assert_eq!(trim(&ours), trim(&theirs));
        }

        #[test]
        fn parse_never_panics(text in ".{0,100}", decimals in any::<u8>()) {
            let _ = parse_units(&text, decimals);
            let _ = parse_address(&text);
        }

        #[test]
        fn any_address_round_trips(raw in any::<[u8; 20]>()) {
            let address = Address::from(raw);
            prop_assert_eq!(parse_address(&format_address(&address)).unwrap(), address);
        }
    }
}

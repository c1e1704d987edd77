//! ERC-20 calldata and return values, encoded and decoded by hand: four calls and a revert
//! string do not justify a Solidity ABI code generator in the build.

use alloy::primitives::{Address, U256};

/// `transfer(address,uint256)`
pub const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// `approve(address,uint256)`
pub const APPROVE: [u8; 4] = [0x09, 0x5e, 0xa7, 0xb3];
/// `balanceOf(address)`
pub const BALANCE_OF: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];
/// `symbol()`
pub const SYMBOL: [u8; 4] = [0x95, 0xd8, 0x9b, 0x41];
/// `decimals()`
pub const DECIMALS: [u8; 4] = [0x31, 0x3c, 0xe5, 0x67];
/// keccak256("Transfer(address,address,uint256)"), the event's first topic.
pub const TRANSFER_TOPIC: &str =
    "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

/// An address as an indexed event topic (left-padded to 32 bytes).
pub fn topic_of(a: Address) -> String {
    format!("0x{:0>64}", hex::encode(a.as_slice()))
}

/// The address an indexed topic holds; `None` for anything but 32 bytes of hex.
pub fn address_of_topic(t: &serde_json::Value) -> Option<Address> {
    let s = t.as_str()?.trim_start_matches("0x");
    let bytes = hex::decode(s).ok()?;
    (bytes.len() == 32).then(|| Address::from_slice(&bytes[12..]))
}
/// `Error(string)`, the standard revert payload.
const ERROR_STRING: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];

fn word_address(a: Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

pub fn transfer(to: Address, amount: U256) -> Vec<u8> {
    let mut data = TRANSFER.to_vec();
    data.extend_from_slice(&word_address(to));
    data.extend_from_slice(&amount.to_be_bytes::<32>());
    data
}

pub fn approve(spender: Address, amount: U256) -> Vec<u8> {
    let mut data = APPROVE.to_vec();
    data.extend_from_slice(&word_address(spender));
    data.extend_from_slice(&amount.to_be_bytes::<32>());
    data
}

pub fn balance_of(owner: Address) -> Vec<u8> {
    let mut data = BALANCE_OF.to_vec();
    data.extend_from_slice(&word_address(owner));
    data
}

/// A `transfer(to, amount)` call's arguments, if `data` is one.
pub fn parse_transfer(data: &[u8]) -> Option<(Address, U256)> {
    if data.len() != 68 || data[..4] != TRANSFER || data[4..16].iter().any(|b| *b != 0) {
        return None;
    }
    Some((
        Address::from_slice(&data[16..36]),
        U256::from_be_slice(&data[36..68]),
    ))
}

/// A single `uint256` return value.
pub fn decode_uint(data: &[u8]) -> Option<U256> {
    (data.len() == 32).then(|| U256::from_be_slice(data))
}

/// An ABI `string` at the start of `data` (offset, length, bytes).
fn decode_string(data: &[u8]) -> Option<String> {
    let offset = usize::try_from(decode_uint(data.get(..32)?)?).ok()?;
    let len_word = data.get(offset..offset.checked_add(32)?)?;
    let len = usize::try_from(U256::from_be_slice(len_word)).ok()?;
    let start = offset.checked_add(32)?;
    let bytes = data.get(start..start.checked_add(len)?)?;
    String::from_utf8(bytes.to_vec()).ok()
}

/// A token's symbol: an ABI string, or (old tokens like MKR) a NUL-padded `bytes32`. Only
/// printable text is accepted, at most 32 characters: it is shown to the user.
pub fn decode_symbol(data: &[u8]) -> Option<String> {
    let text = if data.len() == 32 {
        let end = data.iter().position(|b| *b == 0).unwrap_or(32);
        String::from_utf8(data[..end].to_vec()).ok()?
    } else {
        decode_string(data)?
    };
    let ok = !text.is_empty()
        && text.chars().count() <= 32
        && text.chars().all(|c| !c.is_control() && !c.is_whitespace());
    ok.then_some(text)
}

/// The message of an `Error(string)` revert.
pub fn decode_revert(data: &[u8]) -> Option<String> {
    if data.get(..4)? != ERROR_STRING {
        return None;
    }
    decode_string(&data[4..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn abi_string(s: &str) -> Vec<u8> {
        let mut out = U256::from(32).to_be_bytes::<32>().to_vec();
        out.extend_from_slice(&U256::from(s.len()).to_be_bytes::<32>());
        let mut body = s.as_bytes().to_vec();
        body.resize(s.len().div_ceil(32) * 32, 0);
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn selectors_are_the_keccak_of_the_signatures() {
        use alloy::primitives::keccak256;
        for (sig, sel) in [
            ("transfer(address,uint256)", TRANSFER),
            ("approve(address,uint256)", APPROVE),
            ("balanceOf(address)", BALANCE_OF),
            ("symbol()", SYMBOL),
            ("decimals()", DECIMALS),
            ("Error(string)", ERROR_STRING),
        ] {
            assert_eq!(keccak256(sig)[..4], sel, "{sig}");
        }
    }

    #[test]
    fn symbols_in_both_layouts_and_reverts() {
        assert_eq!(decode_symbol(&abi_string("USDC")).as_deref(), Some("USDC"));
        let mut mkr = [0u8; 32];
        mkr[..3].copy_from_slice(b"MKR");
        assert_eq!(decode_symbol(&mkr).as_deref(), Some("MKR"));
        assert_eq!(decode_symbol(&abi_string("a\nb")), None);
        assert_eq!(decode_symbol(&[]), None);
        let mut revert = ERROR_STRING.to_vec();
        revert.extend(abi_string("ERC20: transfer amount exceeds balance"));
        assert_eq!(
            decode_revert(&revert).as_deref(),
            Some("ERC20: transfer amount exceeds balance")
        );
    }

    proptest! {
        #[test]
        fn transfer_calldata_round_trips(to in any::<[u8; 20]>(), amount in any::<[u8; 32]>()) {
            let (to, amount) = (Address::from(to), U256::from_be_bytes(amount));
            prop_assert_eq!(parse_transfer(&transfer(to, amount)), Some((to, amount)));
        }

        #[test]
        fn decoders_never_panic_on_junk(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode_symbol(&data);
            let _ = decode_revert(&data);
            let _ = parse_transfer(&data);
        }

        #[test]
        fn strings_round_trip(s in "[A-Za-z0-9]{1,32}") {
            prop_assert_eq!(decode_symbol(&abi_string(&s)), Some(s));
        }
    }
}

//! What a contract call a dapp asks for says, in words a person can check: the functions that
//! move or allow moving tokens (ERC-20, ERC-721/1155 approvals and transfers, wrapped ether).
//! Anything else is named by its selector and said to be undecoded — never guessed from a
//! signature database a page could have filled.

use alloy::primitives::{Address, U256};
use alloy::sol_types::SolCall;

mod abi {
    alloy::sol! {
        function transfer(address to, uint256 amount);
        function approve(address spender, uint256 amount);
        function transferFrom(address from, address to, uint256 amount);
        function increaseAllowance(address spender, uint256 added);
        function setApprovalForAll(address operator, bool approved);
        function safeTransferFrom(address from, address to, uint256 tokenId);
        function deposit();
        function withdraw(uint256 amount);
    }
}

/// One argument as the user should read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Address(Address),
    /// An amount in the called token's base units (the caller formats it when it knows the
    /// token).
    Amount(U256),
    /// A token id (an NFT), not an amount.
    Id(U256),
    Bool(bool),
}

/// A decoded call: the function's name and its named arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub function: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

/// What `data` calls: `None` for empty data (a plain payment) and for calls this wallet does
/// not decode (see [`selector`]). Arguments must decode exactly (no trailing bytes), or the call
/// counts as undecoded: a lookalike with extra data is not shown as the harmless original.
pub fn decode(data: &[u8]) -> Option<Decoded> {
    use Arg::*;
    let d = |function, args| Some(Decoded { function, args });
    let sel: [u8; 4] = data.get(..4)?.try_into().ok()?;
    match sel {
        abi::transferCall::SELECTOR => {
            let c = exact::<abi::transferCall>(data)?;
            d(
                "transfer",
                vec![("to", Address(c.to)), ("amount", Amount(c.amount))],
            )
        }
        abi::approveCall::SELECTOR => {
            let c = exact::<abi::approveCall>(data)?;
            d(
                "approve",
                vec![
                    ("spender", Address(c.spender)),
                    ("amount", Amount(c.amount)),
                ],
            )
        }
        // ERC-20's and ERC-721's share a selector: the third word is an amount or a token id.
        abi::transferFromCall::SELECTOR => {
            let c = exact::<abi::transferFromCall>(data)?;
            d(
                "transferFrom",
                vec![
                    ("from", Address(c.from)),
                    ("to", Address(c.to)),
                    ("amount", Amount(c.amount)),
                ],
            )
        }
        abi::increaseAllowanceCall::SELECTOR => {
            let c = exact::<abi::increaseAllowanceCall>(data)?;
            d(
                "increaseAllowance",
                vec![("spender", Address(c.spender)), ("added", Amount(c.added))],
            )
        }
        abi::setApprovalForAllCall::SELECTOR => {
            let c = exact::<abi::setApprovalForAllCall>(data)?;
            d(
                "setApprovalForAll",
                vec![
                    ("operator", Address(c.operator)),
                    ("approved", Bool(c.approved)),
                ],
            )
        }
        abi::safeTransferFromCall::SELECTOR => {
            let c = exact::<abi::safeTransferFromCall>(data)?;
            d(
                "safeTransferFrom",
                vec![
                    ("from", Address(c.from)),
                    ("to", Address(c.to)),
                    ("tokenId", Id(c.tokenId)),
                ],
            )
        }
        abi::depositCall::SELECTOR if data.len() == 4 => d("deposit", vec![]),
        abi::withdrawCall::SELECTOR => {
            let c = exact::<abi::withdrawCall>(data)?;
            d("withdraw", vec![("amount", Amount(c.amount))])
        }
        _ => None,
    }
}

/// `data` as a call of `C` when it is exactly that call's canonical encoding (clean padding,
/// nothing after it).
fn exact<C: SolCall>(data: &[u8]) -> Option<C> {
    let call = C::abi_decode_validate(data).ok()?;
    (call.abi_encode() == data).then_some(call)
}

/// The 4-byte selector of a call, as hex (`None` when there are fewer than four bytes).
pub fn selector(data: &[u8]) -> Option<String> {
    data.get(..4).map(|s| format!("0x{}", hex::encode(s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::erc20;
    use proptest::prelude::*;

    fn a(n: u8) -> Address {
        Address::repeat_byte(n)
    }

    #[test]
    fn token_calls_read_as_what_they_do() {
        assert_eq!(
            decode(&erc20::approve(a(7), U256::MAX)),
            Some(Decoded {
                function: "approve",
                args: vec![
                    ("spender", Arg::Address(a(7))),
                    ("amount", Arg::Amount(U256::MAX))
                ],
            })
        );
        assert_eq!(
            decode(&erc20::transfer(a(1), U256::from(5u8))).map(|d| d.function),
            Some("transfer")
        );
        assert_eq!(
            decode(&[0xd0, 0xe3, 0x0d, 0xb0]).map(|d| d.function),
            Some("deposit")
        );
        let all = abi::setApprovalForAllCall {
            operator: a(9),
            approved: true,
        }
        .abi_encode();
        assert_eq!(
            decode(&all).map(|d| d.args),
            Some(vec![
                ("operator", Arg::Address(a(9))),
                ("approved", Arg::Bool(true))
            ])
        );
    }

    #[test]
    fn what_is_not_exactly_a_known_call_is_not_decoded() {
        assert_eq!(decode(&[]), None);
        assert_eq!(decode(&[0xa9, 0x05]), None);
        let mut longer = erc20::transfer(a(1), U256::from(5u8));
        longer.extend_from_slice(&[0u8; 32]);
        assert_eq!(decode(&longer), None, "trailing bytes");
        let short = &erc20::approve(a(1), U256::MAX)[..40];
        assert_eq!(decode(short), None);
        assert_eq!(decode(&[0xde, 0xad, 0xbe, 0xef, 0]), None);
        assert_eq!(
            selector(&[0xde, 0xad, 0xbe, 0xef, 0]).as_deref(),
            Some("0xdeadbeef")
        );
        // A bool that is not 0 or 1, an address with high bytes set: not valid ABI.
        let mut bad = all_for(a(2));
        bad[4 + 63] = 2;
        assert_eq!(decode(&bad), None);
        let mut dirty = erc20::transfer(a(1), U256::from(5u8));
        dirty[4] = 1;
        assert_eq!(decode(&dirty), None);
    }

    fn all_for(operator: Address) -> Vec<u8> {
        abi::setApprovalForAllCall {
            operator,
            approved: false,
        }
        .abi_encode()
    }

    proptest! {
        #[test]
        fn any_bytes_decode_without_panicking(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&data);
        }

        #[test]
        fn an_encoded_transfer_decodes_to_its_arguments(to in any::<[u8; 20]>(), amount in any::<[u8; 32]>()) {
            let (to, amount) = (Address::from(to), U256::from_be_bytes(amount));
            prop_assert_eq!(
                decode(&erc20::transfer(to, amount)).map(|d| d.args),
                Some(vec![("to", Arg::Address(to)), ("amount", Arg::Amount(amount))])
            );
        }
    }
}

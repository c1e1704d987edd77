//! Hooks that several screens share: the wallet's accounts, an account's assets, the second
//! factor's state, and the counters from the shell's events that tell a list to load again.

use cairn_api::{cmd, Account, AddressRequest, ApiError, AssetBalance, MfaStatus, WalletStatus};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::ipc::{call, NoArgs, Request};
use crate::LiveHandle;

/// The wallet's visible accounts, as the core listed them last.
#[derive(Clone)]
pub(crate) struct AccountsState {
    pub list: UseStateHandle<Vec<Account>>,
    /// Why the last load failed; screens that only pick an account leave it unshown.
    pub error: UseStateHandle<Option<ApiError>>,
    /// Loads the list again, after a change to it.
    pub reload: Callback<()>,
}

/// The wallet's visible accounts, loaded when the screen mounts.
#[hook]
pub(crate) fn use_accounts() -> AccountsState {
    let list = use_state(Vec::<Account>::new);
    let error = use_state(|| None::<ApiError>);
    let reload = {
        let (list, error) = (list.clone(), error.clone());
        Callback::from(move |_: ()| {
            let (list, error) = (list.clone(), error.clone());
            spawn_local(async move {
                match call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await {
                    Ok(WalletStatus::Unlocked { accounts, .. }) => list.set(accounts),
                    // Locked meanwhile: the lock screen is on its way.
                    Ok(_) => {}
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    AccountsState {
        list,
        error,
        reload,
    }
}

/// The account screens act on until the user picks another: the first one listed.
pub(crate) fn first_address(accounts: &[Account]) -> String {
    accounts
        .first()
        .map(|a| a.address.clone())
        .unwrap_or_default()
}

/// The recovery phrase new accounts derive from and the export shows: the first one (imported
/// private keys have no path and one account each).
pub(crate) fn hd_source(accounts: &[Account]) -> Option<i64> {
    accounts
        .iter()
        .find(|a| !a.path.is_empty())
        .map(|a| a.key_source_id)
}

/// Every asset of `address` (confirmed, pending out, available), loaded again whenever
/// `refresh` changes.
#[hook]
pub(crate) fn use_assets<D>(address: String, refresh: D) -> UseStateHandle<Vec<AssetBalance>>
where
    D: PartialEq + 'static,
{
    let assets = use_state(Vec::<AssetBalance>::new);
    {
        let assets = assets.clone();
        use_effect_with((address, refresh), move |(address, _)| {
            let address = address.clone();
            if !address.is_empty() {
                spawn_local(async move {
                    let request = AddressRequest { address };
                    if let Ok(list) =
                        call::<_, Vec<AssetBalance>>(cmd::BALANCES, &Request { request: &request })
                            .await
                    {
                        assets.set(list);
                    }
                });
            }
        });
    }
    assets
}

/// The second factor's state, loaded once per screen that needs it.
#[hook]
pub(crate) fn use_mfa_status() -> (UseStateHandle<Option<MfaStatus>>, Callback<()>) {
    let status = use_state(|| None::<MfaStatus>);
    let reload = {
        let status = status.clone();
        Callback::from(move |_: ()| {
            let status = status.clone();
            spawn_local(async move {
                if let Ok(s) = call::<_, MfaStatus>(cmd::MFA_STATUS, &NoArgs {}).await {
                    status.set(Some(s));
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    (status, reload)
}

/// Moves whenever one of the user's operations changed: what the activity list reloads on.
#[hook]
pub(crate) fn use_op_tick() -> u64 {
    let live = use_context::<LiveHandle>();
    live.as_ref().map(|l| l.op_tick).unwrap_or_default()
}

/// What a chain tick is made of: operation changes, the block last read, the last round.
pub(crate) type ChainTick = (u64, Option<u64>, Option<i64>);

/// Moves when an operation changed, a new block was seen or a sync round ended (a round can
/// read what was missing without a new block, e.g. a token just added): what lists read from
/// the chain (balances, history) reload on.
#[hook]
pub(crate) fn use_chain_tick() -> ChainTick {
    let live = use_context::<LiveHandle>();
    live.as_ref()
        .map(|l| {
            let sync = l.sync.as_ref();
            (
                l.op_tick,
                sync.and_then(|s| s.last_block),
                sync.and_then(|s| s.synced_at),
            )
        })
        .unwrap_or_default()
}

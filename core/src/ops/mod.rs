//! Operations in motion: the lifecycle steps every kind of operation shares (a transition in
//! the ledger, then the event that tells the front ends), what an operation looks like to
//! them, the network's native asset row, and the available-balance rule (last confirmed
//! balance minus what pending operations promise).
//!
//! May use: `session`, `store`, `chain`, `primitives`.

use alloy::primitives::U256;
use cairn_api::Operation;

use crate::chain::network::Network;
use crate::primitives::units::format_units;
use crate::session::{Ctx, SessionError, WalletEvent};
use crate::store::ledger::{AccountRow, Ledger, LedgerError};
use crate::store::operations::{AssetRow, OpChange, OpState, OperationRow};

pub(crate) fn fmt(v: U256, decimals: u8) -> String {
    format_units(v, decimals).unwrap_or_else(|_| v.to_string())
}

/// An operation as the UI shows it.
pub(crate) fn to_api(op: &OperationRow, native: &AssetRow) -> Operation {
    let asset = op.asset.as_ref().unwrap_or(native);
    Operation {
        id: op.id,
        kind: op.kind.clone(),
        state: op.state.as_str().to_string(),
        from: op.from.clone(),
        to: op.to.clone().unwrap_or_default(),
        symbol: asset.symbol.clone(),
        amount: fmt(op.amount, asset.decimals),
        hash: op.hash.clone(),
        nonce: op.nonce,
        block_number: op.block_number,
        fee_paid: op.fee_paid.map(|f| fmt(f, native.decimals)),
        error: op.error.clone(),
        replaces: op.replaces,
        created_at: op.created_at,
        updated_at: op.updated_at,
        replaceable: op.user_op.is_none()
            && matches!(op.state, OpState::Queued | OpState::Submitted),
        user_operation: op.user_op.is_some(),
        paymaster: op.paymaster.clone(),
        bundle_tx: op.bundle_tx.clone(),
    }
}

pub(crate) fn native_asset(
    ledger: &mut Ledger,
    network: &Network,
) -> Result<AssetRow, LedgerError> {
    match ledger.asset(network.chain_id, None) {
        Ok(a) => Ok(a),
        Err(LedgerError::NotFound(_)) => ledger.ensure_network(network),
        Err(e) => Err(e),
    }
}

/// (native, asset) available: last confirmed balance minus what is promised.
pub(crate) fn available(
    ledger: &Ledger,
    chain_id: u64,
    account: &AccountRow,
    native: &AssetRow,
    asset: &AssetRow,
) -> Result<(U256, U256), LedgerError> {
    let stored_native = ledger.balance(account.id, native.id)?;
    let confirmed_native = stored_native.map(|b| b.0).unwrap_or_default();
    let (pending_native, pending_token) =
        ledger.pending_outgoing(chain_id, account.id, asset.id, stored_native.map(|b| b.1))?;
    let avail_native = confirmed_native.saturating_sub(pending_native);
    let avail_asset = if asset.contract.is_none() {
        avail_native
    } else {
        ledger
            .balance(account.id, asset.id)?
            .map(|b| b.0)
            .unwrap_or_default()
            .saturating_sub(pending_token)
    };
    Ok((avail_native, avail_asset))
}

/// Why a lifecycle step failed.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

type Result<T, E = OpsError> = std::result::Result<T, E>;

/// The lifecycle's steps, applied under the session gate without counting as activity.
pub(crate) struct Lifecycle<'a> {
    pub(crate) ctx: &'a Ctx,
}

impl Lifecycle<'_> {
    crate::session::gate_methods!(OpsError);

    pub(crate) fn moved(&self, row: &OperationRow) {
        let native = crate::store::operations::AssetRow {
            id: 0,
            chain_id: row.chain_id,
            contract: None,
            symbol: self.ctx.network().currency_symbol.clone(),
            decimals: self.ctx.network().currency_decimals,
        };
        tracing::info!(op = row.id, state = row.state.as_str(), "operation moved");
        let op = to_api(row, &native);
        // Every lifecycle step passes here once (a lost race emits nothing), so an operation
        // that ends is told once.
        if row.state == OpState::Confirmed && row.kind == "guardian_setup" {
            self.ctx.watch_again();
        }
        if matches!(row.state, OpState::Confirmed | OpState::Failed) {
            self.ctx
                .emit(WalletEvent::Notice(cairn_api::Notice::Settled {
                    operation: Box::new(op.clone()),
                }));
        }
        self.ctx.emit(WalletEvent::Operation(op));
    }

    /// Applies a transition, telling the UI; a lost race (the user acted first) is not an error.
    pub(crate) async fn step(
        &self,
        id: i64,
        from: &[OpState],
        to: OpState,
        change: OpChange,
        detail: &str,
    ) -> Result<()> {
        let result = self
            .with_session_quiet(|s| Ok(s.ledger.transition(id, from, to, &change, detail)?))
            .await;
        match result {
            Ok(row) => {
                self.moved(&row);
                Ok(())
            }
            Err(OpsError::Ledger(LedgerError::Conflict(m))) => {
                tracing::debug!(op = id, "{m}");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// An included operation (transaction or user operation) ends: failed with `failure`, or
    /// confirmed once `confirmations` blocks sit on top of its block.
    pub(crate) async fn conclude(
        &self,
        id: i64,
        failure: Option<String>,
        block_number: u64,
        head: u64,
        confirmations: u64,
    ) -> Result<()> {
        if let Some(why) = failure {
            return self
                .step_with_error(id, &[OpState::Included], OpState::Failed, why)
                .await;
        }
        if head.saturating_add(1) >= block_number.saturating_add(confirmations) {
            self.step(
                id,
                &[OpState::Included],
                OpState::Confirmed,
                OpChange::default(),
                &format!("{confirmations} confirmation(s)"),
            )
            .await?;
        }
        Ok(())
    }

    /// A transition whose reason is also the operation's error (what the user reads).
    pub(crate) async fn step_with_error(
        &self,
        id: i64,
        from: &[OpState],
        to: OpState,
        why: String,
    ) -> Result<()> {
        let change = OpChange {
            error: Some(why.clone()),
            ..OpChange::default()
        };
        self.step(id, from, to, change, &why).await
    }
}

/// The ids a list filter names: an account (by its EIP-55 address) and an asset (`native` or
/// a token's contract address). An asset the chain does not have is refused, not ignored: a
/// list filtered on nothing would pass for an empty one.
pub(crate) fn list_scope<E>(
    ledger: &Ledger,
    chain_id: u64,
    account: Option<&str>,
    asset: Option<&str>,
) -> Result<(Option<i64>, Option<i64>), E>
where
    E: From<LedgerError> + From<crate::primitives::page::PageError>,
{
    let account_id = match account {
        Some(address) => Some(ledger.account(address)?.id),
        None => None,
    };
    let asset_id = match asset {
        Some(name) => Some(
            ledger
                .asset_named(chain_id, name)?
                .ok_or_else(|| {
                    crate::primitives::page::PageError::UnknownAsset(
                        crate::primitives::page::quote(name),
                    )
                })?
                .id,
        ),
        None => None,
    };
    Ok((account_id, asset_id))
}

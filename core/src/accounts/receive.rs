//! Receiving: an account's address as the payer should copy or scan it — EIP-55 text and a QR
//! code (SVG) of the same text — with the network it is for.

use cairn_api::ReceiveInfo;

use crate::accounts::{Accounts, AccountsError};
use crate::primitives::qr;
use crate::primitives::units::{format_address, parse_address};

impl Accounts<'_> {
    /// What the receive screen shows for one of the wallet's accounts.
    pub(crate) async fn receive(&self, address: &str) -> Result<ReceiveInfo, AccountsError> {
        let address = format_address(&parse_address(address)?);
        // Only the wallet's own accounts: a receive screen for someone else's address would
        // send the payer's money elsewhere.
        let account = self
            .with_session(|s| Ok(s.ledger.account(&address)?))
            .await?;
        let network = self.ctx.network();
        Ok(ReceiveInfo {
            address: account.address.clone(),
            name: account.name,
            network: network.name.clone(),
            chain_id: network.chain_id,
            qr_svg: qr::svg(&account.address)?,
        })
    }
}

//! Receiving: an account's address as the payer should copy or scan it — EIP-55 text and a QR
//! code (SVG) of the same text — with the network it is for.

use cairn_api::ReceiveInfo;

use crate::error::{Error, Result};
use crate::primitives::qr;
use crate::primitives::units::{format_address, parse_address};
use crate::wallet::Wallet;

impl Wallet {
    /// What the receive screen shows for one of the wallet's accounts.
    pub async fn receive(&self, address: &str) -> Result<ReceiveInfo> {
        let address = format_address(&parse_address(address)?);
        // Only the wallet's own accounts: a receive screen for someone else's address would
        // send the payer's money elsewhere.
        let account = self
            .with_session(|s| Ok(s.ledger.account(&address)?))
            .await?;
        let network = self.network();
        Ok(ReceiveInfo {
            address: account.address.clone(),
            name: account.name,
            network: network.name.clone(),
            chain_id: network.chain_id,
            qr_svg: qr::svg(&account.address).map_err(|e| Error::Internal(e.to_string()))?,
        })
    }
}

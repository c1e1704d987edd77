//! Receiving: an account's address as the payer should copy or scan it — EIP-55 text and a QR
//! code (SVG) of the same text — with the network it is for.

use cairn_api::ReceiveInfo;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use crate::error::{Error, Result};
use crate::units::{format_address, parse_address};
use crate::wallet::Wallet;

/// A QR code of `text` as a standalone SVG document. Medium error correction: scannable off a
/// phone screen with glare, still small for 42 characters.
pub fn qr_svg(text: &str) -> Result<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::Internal(format!("could not encode a QR code: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

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
            qr_svg: qr_svg(&account.address)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_of_the_address() {
        let svg = qr_svg("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").unwrap();
        assert!(
            svg.starts_with("<?xml") || svg.starts_with("<svg"),
            "{}",
            &svg[..40]
        );
        assert!(svg.contains("</svg>"));
        // Different text, different code.
        assert_ne!(
            svg,
            qr_svg("0x70997970C51812dc3A010C7d01b50e0d17dc79C8").unwrap()
        );
    }
}

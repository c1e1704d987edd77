//! QR codes as standalone SVG documents, for the receive screen and two-factor enrolment.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The text did not fit in a QR code.
#[derive(Debug, thiserror::Error)]
#[error("could not encode a QR code: {0}")]
pub struct QrError(String);

/// A QR code of `text` as a standalone SVG document. Medium error correction: scannable off a
/// phone screen with glare, still small for 42 characters.
pub fn svg(text: &str) -> Result<String, QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| QrError(e.to_string()))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_of_the_address() {
        let drawn = svg("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").unwrap();
        assert!(
            drawn.starts_with("<?xml") || drawn.starts_with("<svg"),
            "{}",
            &drawn[..40]
        );
        assert!(drawn.contains("</svg>"));
        // Different text, different code.
        assert_ne!(
            drawn,
            svg("0x70997970C51812dc3A010C7d01b50e0d17dc79C8").unwrap()
        );
    }
}

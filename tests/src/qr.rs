//! Reads a QR code back as a phone would: the SVG Cairn draws, rasterised by ImageMagick and
//! decoded by ZBar (`zbarimg`), tools that share no code with the encoder.

// A failed expectation in a test helper is a panic.
#![allow(clippy::panic)]

use std::process::Command;

/// The text a QR code in `svg` holds; panics (a test failure) when it holds none.
pub fn decode_svg(svg: &str) -> String {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let png = dir.path().join("qr.png");
    // From a file, not stdin: ImageMagick hands SVG to its rsvg-convert delegate through a temp
    // file, which it does not write when the SVG comes from a pipe.
    let svg_path = dir.path().join("qr.svg");
    std::fs::write(&svg_path, svg).unwrap_or_else(|e| panic!("writing the SVG: {e}"));
    let mut convert = Command::new("convert")
        .args(["-density", "300"])
        .arg(&svg_path)
        .arg("-flatten")
        .arg(&png)
        .spawn()
        .unwrap_or_else(|e| panic!("ImageMagick's convert: {e}"));
    let status = convert.wait().unwrap_or_else(|e| panic!("convert: {e}"));
    assert!(status.success(), "convert could not rasterise the QR code");
    let out = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&png)
        .output()
        .unwrap_or_else(|e| panic!("zbarimg (zbar-tools): {e}"));
    assert!(out.status.success(), "zbarimg found no QR code");
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

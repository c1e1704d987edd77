//! A small picture made from an address, so two addresses that share their first and last
//! characters still look different at a glance. Drawn locally (an SVG from the address's own
//! bytes): no service sees which addresses the user looks at.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct IdenticonProps {
    pub address: AttrValue,
    /// Pixels.
    #[prop_or(24)]
    pub size: u32,
}

/// The address's 20 bytes, or zeros where the text is not an address.
fn bytes(address: &str) -> [u8; 20] {
    let hex = address.trim_start_matches("0x");
    let mut out = [0u8; 20];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = hex
            .get(i * 2..i * 2 + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    out
}

/// A 5 × 5 grid mirrored left to right (15 cells from 15 bits) in one of 360 hues, on a
/// lighter shade of another: ~2^24 pictures.
#[function_component(Identicon)]
pub(crate) fn identicon(props: &IdenticonProps) -> Html {
    let b = bytes(&props.address);
    let hue = (u16::from(b[0]) << 8 | u16::from(b[1])) % 360;
    let back = (hue + 180 + u16::from(b[2]) % 60) % 360;
    let bits = u32::from(b[3]) | u32::from(b[4]) << 8 | u32::from(b[5]) << 16;
    let mut cells = Vec::new();
    for row in 0..5u32 {
        for col in 0..3u32 {
            if bits >> (row * 3 + col) & 1 == 1 {
                cells.push((col, row));
                if col < 2 {
                    cells.push((4 - col, row));
                }
            }
        }
    }
    html! {
        <svg class="identicon" width={props.size.to_string()} height={props.size.to_string()} viewBox="0 0 5 5" aria-hidden="true" focusable="false">
            <rect width="5" height="5" rx="1" fill={format!("hsl({back} 45% 88%)")} /> // i18n: not text
            { for cells.into_iter().map(|(x, y)| html! {
                <rect x={x.to_string()} y={y.to_string()} width="1" height="1" fill={format!("hsl({hue} 55% 40%)")} /> // i18n: not text
            }) }
        </svg>
    }
}

//! Light or dark: the user's choice ("system" follows the OS), kept in localStorage and applied
//! as `data-theme` on the root element, which `style.css` keys its palette on. boot.js applies
//! it before the first paint; this module changes it from Settings.

const KEY: &str = "cairn.theme";

/// "system", "light" or "dark".
pub(crate) fn choice() -> String {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .filter(|c| ["system", "light", "dark"].contains(&c.as_str()))
        .unwrap_or_else(|| "system".into())
}

fn system_is_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Keeps the choice and applies it at once.
pub(crate) fn set(choice: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(storage) = window.local_storage().ok().flatten() {
        // A full or disabled storage only loses the choice at the next start.
        let _ = storage.set_item(KEY, choice);
    }
    let dark = choice == "dark" || (choice == "system" && system_is_dark());
    if let Some(root) = window
        .document()
        .and_then(|d| d.document_element())
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = root
            .dataset()
            .set("theme", if dark { "dark" } else { "light" });
    }
}

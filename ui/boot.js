// Loads the wasm UI. A separate file because the CSP allows no inline script.
import init from "./cairn_ui.js"

// The theme before the first paint: the user's choice (Settings → Appearance) or the system's,
// followed live while the choice is "system". Kept in localStorage: a display preference, not
// wallet data.
const system = matchMedia("(prefers-color-scheme: dark)")
const apply = () => {
    const choice = localStorage.getItem("cairn.theme") ?? "system"
    const dark = choice === "dark" || (choice === "system" && system.matches)
    document.documentElement.dataset.theme = dark ? "dark" : "light"
}
apply()
system.addEventListener("change", apply)

init()

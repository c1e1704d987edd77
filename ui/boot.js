// Loads the wasm UI. A separate file because the CSP allows no inline script.
import init from "./cairn_ui.js"
init()

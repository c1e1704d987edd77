//! What locking does to the window: the page's memory goes, not only the core's keys. A web
//! page cannot wipe its own strings (JavaScript strings are immutable and the engine copies
//! them; a reload leaves the old page's heap in the same process), so on Linux the WebKit web
//! process that ran the page is ended and a fresh one loads the UI at its lock screen;
//! elsewhere the page is reloaded, which drops its heap.
//!
//! One exception: under WebDriver (`CAIRN_UNDER_WEBDRIVER=1`, set by the GUI tests) the page
//! is only reloaded, because WebKitWebDriver ends its session when the page's process ends.
//! The memory test runs without it, so the path users get is the one it checks.

use tauri::Manager;

/// Ends (or reloads) the page of every window.
pub(crate) fn drop_page_memory(app: &tauri::AppHandle) {
    let end_process = std::env::var_os("CAIRN_UNDER_WEBDRIVER").is_none();
    for (label, window) in app.webview_windows() {
        if let Err(e) = restart_page(&window, end_process) {
            tracing::warn!(window = %label, error = %e, "could not drop the page's memory on lock");
        }
    }
}

#[cfg(target_os = "linux")]
fn restart_page(window: &tauri::WebviewWindow, end_process: bool) -> tauri::Result<()> {
    window.with_webview(move |webview| {
        use webkit2gtk::WebViewExt;
        let view = webview.inner();
        if end_process {
            view.terminate_web_process();
        }
        view.reload();
    })
}

#[cfg(not(target_os = "linux"))]
fn restart_page(window: &tauri::WebviewWindow, _end_process: bool) -> tauri::Result<()> {
    window.eval("window.location.reload()")
}

// tauri.conf.json lives at the workspace root (one config for desktop and mobile), not in
// this crate, so the build is told where it is.
fn main() {
    if let Err(e) =
        tauri_build::try_build(tauri_build::Attributes::new().config_path("../tauri.conf.json"))
    {
        println!("cargo:warning=tauri build step failed: {e:#}");
        std::process::exit(1);
    }
}

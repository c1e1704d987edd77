//! Entry point of the wasm module: mounts the app on <body>.

fn main() {
    yew::Renderer::<cairn_ui::App>::new().render();
}

#!/usr/bin/env bash
# Builds the Yew UI to ui/dist: cargo (wasm32) → wasm-bindgen (web target) → static files.
# No trunk, no downloads: only the wasm target and wasm-bindgen-cli that setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}
profile=${CAIRN_UI_PROFILE:-wasm-release}
cargo build -q -p cairn-ui --target wasm32-unknown-unknown --profile "$profile"
out=ui/dist
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
wasm-bindgen --target web --no-typescript --out-name cairn_ui --out-dir "$out.tmp" \
  "$target_dir/wasm32-unknown-unknown/$profile/cairn-ui.wasm"
# Shrinks the shipped wasm (about a third); dev profiles skip it for speed.
if [ "$profile" = "wasm-release" ]; then
  wasm_opt=ui/node_modules/.bin/wasm-opt
  [ -x "$wasm_opt" ] || { echo "build-ui: $wasm_opt is missing: run scripts/setup.sh" >&2; exit 1; }
  "$wasm_opt" -Oz "$out.tmp/cairn_ui_bg.wasm" -o "$out.tmp/cairn_ui_bg.opt.wasm"
  mv "$out.tmp/cairn_ui_bg.opt.wasm" "$out.tmp/cairn_ui_bg.wasm"
fi
cp ui/index.html ui/style.css ui/boot.js "$out.tmp/"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "ui: $(du -b "$out/cairn_ui_bg.wasm" | cut -f1) bytes of wasm in $out"

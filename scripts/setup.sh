#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build, run and test Cairn. Idempotent:
# every step checks first, so a warm machine spends a few seconds here.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[" ]/,"",$0); sub("version=","",$0); print; exit}' Cargo.lock 2>/dev/null || true)
TAURI_DRIVER_VERSION="2.1.0"

APT_PKGS=(
  # Tauri v2 on Linux
  libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev pkg-config
  # GUI tests: a display, WebKit's WebDriver, screenshots, process tools
  xvfb xauth imagemagick webkit2gtk-driver dbus-x11 x11-utils iproute2 procps
  # the memory test: real keystrokes into the window; QR codes rasterised and read back
  xdotool zbar-tools librsvg2-bin  # rsvg-convert: ImageMagick's SVG delegate
  # Android type-check: a C compiler for the build scripts, aarch64 headers in place of the NDK
  clang llvm libc6-dev-arm64-cross
  # the OS-keychain test: a private D-Bus session with a Secret Service
  dbus gnome-keyring libdbus-1-dev
  # passkeys on USB security keys (the WebAuthn plugin's CTAP2 transport finds them via udev)
  libudev-dev
  # the dapp bridge's browser test: MetaMask's test dapp in Chromium with Cairn's extension
  chromium
)

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt installing ${missing[*]}"
  sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: apt installing nodejs npm"
  sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -qq nodejs npm >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
if [ -n "$WASM_BINDGEN_VERSION" ]; then
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    echo "setup: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes a few minutes once)"
    cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
fi

if ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install -q tauri-driver --version "$TAURI_DRIVER_VERSION" --locked
fi

# Devnet peers (anvil, cast, alto, mock paymaster, ERC-4337 artifacts), pinned by the lockfile.
if [ ! -f scripts/devnet/node_modules/.package-lock.json ] || ! cmp -s scripts/devnet/package-lock.json scripts/devnet/node_modules/.cairn-lock; then
  echo "setup: npm ci in scripts/devnet/"
  (cd scripts/devnet && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.cairn-lock)
fi
# UI build tools (wasm-opt from npm's binaryen: Debian's is too old for today's rustc output).
if [ ! -f ui/node_modules/.package-lock.json ] || ! cmp -s ui/package-lock.json ui/node_modules/.cairn-lock; then
  echo "setup: npm ci in ui/"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.cairn-lock)
fi
# Dapp clients nobody here wrote (viem, ethers), for the bridge's interoperability tests.
if [ ! -f tests/clients/node_modules/.package-lock.json ] || ! cmp -s tests/clients/package-lock.json tests/clients/node_modules/.cairn-lock; then
  echo "setup: npm ci in tests/clients/"
  (cd tests/clients && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.cairn-lock)
fi
echo "setup: ok"

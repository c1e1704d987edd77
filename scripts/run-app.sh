#!/usr/bin/env bash
# Starts the devnet peers and the Cairn desktop app on them. Closing the app stops the devnet.
# CAIRN_RPC_URL set in the environment skips the devnet and uses that node instead.
set -euo pipefail
cd "$(dirname "$0")/.."
app="${CARGO_TARGET_DIR:-target}/debug/cairn-app"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run-app: no display (DISPLAY/WAYLAND_DISPLAY unset). On a headless machine: xvfb-run -a make run" >&2
  exit 1
fi

if [ -n "${CAIRN_RPC_URL:-}" ]; then
  exec "$app"
fi

ready=$(mktemp)
devnet_in=$(mktemp -u)
mkfifo "$devnet_in"
# The devnet lives while this script holds the fifo open (fd 9); it stops when we exit.
node scripts/devnet/devnet.mjs --watch-stdin --out "$ready" < "$devnet_in" &
devnet_pid=$!
exec 9>"$devnet_in"
rm -f "$devnet_in"
cleanup() { exec 9>&-; wait "$devnet_pid" 2>/dev/null || true; rm -f "$ready"; }
trap cleanup EXIT

for _ in $(seq 1 600); do
  [ -s "$ready" ] && break
  kill -0 "$devnet_pid" 2>/dev/null || { echo "run-app: the devnet failed to start" >&2; exit 1; }
  sleep 0.1
done
field() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1]))[process.argv[2]] ?? "")' "$ready" "$1"; }
rpc=$(field rpcUrl)
echo "run-app: devnet at $rpc (bundler $(field bundlerUrl), paymaster $(field paymasterUrl)); starting Cairn (its data: ${CAIRN_DATA_DIR:-the OS app-data dir})"
CAIRN_RPC_URL="$rpc" CAIRN_BUNDLER_URL="$(field bundlerUrl)" CAIRN_PAYMASTER_URL="$(field paymasterUrl)" "$app"

#!/usr/bin/env bash
# Fails if any process the suite starts (anvil, alto/paymaster under node, tauri-driver,
# WebKitWebDriver, the app, Xvfb, the test keyring) is still running or listening after the tests.
set -uo pipefail
pattern='anvil|devnet\.mjs|alto\.js|tauri-driver|WebKitWebDriver|cairn-app|watchdog\.mjs|Xvfb|gnome-keyring-daemon --foreground'
sleep 1
leftover=$(pgrep -a -f "$pattern" | grep -v -e pgrep -e check-no-listeners || true)
listening=$(ss -ltnpH 2>/dev/null | grep -E "\"($pattern|node)\"" || true)
if [ -n "$leftover" ] || [ -n "$listening" ]; then
  echo "no-listeners: the suite left these behind:" >&2
  [ -n "$leftover" ] && echo "$leftover" >&2
  [ -n "$listening" ] && echo "$listening" >&2
  exit 1
fi
echo "no-listeners: nothing left running or listening"

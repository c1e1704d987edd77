#!/usr/bin/env bash
# Runs the OS-keychain test against a real Secret Service: a private D-Bus session with a
# throwaway gnome-keyring-daemon whose data lives in a temp dir (never the user's keyring).
# Both end with this script.
set -euo pipefail
cd "$(dirname "$0")/.."
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# rustup and cargo stay where they are; only the keyring's idea of home moves.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export HOME="$home" XDG_DATA_HOME="$home/data" XDG_RUNTIME_DIR="$home/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
# The inner script is a file, not `sh -c '…'`, so nothing else's command line names the daemon.
cat >"$home/session.sh" <<'INNER'
set -u
printf 'ci-keyring' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
keyring=$!
# Wait for the Secret Service to own its bus name (at most ~10 s).
for _ in $(seq 100); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
    | grep -q 'boolean true' && break
  sleep 0.1
done
out=$(mktemp)
cargo test -p cairn-tests --locked --test os_keychain -- --ignored 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
# A filter or an #[ignore] change that runs nothing would pass as green: exactly one must run.
if [ "$status" -eq 0 ] && ! grep -q '^test result: ok\. 1 passed' "$out"; then
  echo "keychain-test: expected exactly one test to run and pass" >&2
  status=1
fi
rm -f "$out"
kill "$keyring" 2>/dev/null; wait "$keyring" 2>/dev/null
exit $status
INNER
dbus-run-session -- bash "$home/session.sh"

#!/usr/bin/env bash
# Measures the built app as a user gets it: release binary size, UI wasm size (raw and gzip),
# time from launch to the first interactive screen, and memory (PSS) of the app and its WebKit
# processes. Runs the release binary RUNS times under its own Xvfb; prints a Markdown table.
#
# "First interactive screen" = the UI has mounted and its first IPC call (wallet_status) has
# been answered, seen as that command's line in the app's JSON log (polled every 5 ms).
# Usage: bench/app-figures.sh [RUNS] [BASELINE_BINARY]   (builds the UI and the release app
# first; a baseline binary is launched alternately with it and reported beside it)
set -euo pipefail
cd "$(dirname "$0")/.."
# A desktop session has a D-Bus session bus. Without one (a bare CI box) GLib spawns
# dbus-launch for each library that asks (accessibility, the keychain…), ~100 ms of start-up no
# user sees: measure as on a desktop.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v dbus-run-session >/dev/null; then
  exec dbus-run-session -- "$0" "$@"
fi
runs=${1:-5}
# A second app binary (e.g. an older commit's release build) measured in the same run.
baseline=${2:-}
target=${CARGO_TARGET_DIR:-target}
scripts/build-ui.sh >/dev/null
cargo build -q --release -p cairn-app --locked
app="$target/release/cairn-app"

bin_bytes=$(stat -c %s "$app")
wasm=ui/dist/cairn_ui_bg.wasm
wasm_raw=$(stat -c %s "$wasm")
wasm_gz=$(gzip -9 -c "$wasm" | wc -c)
js_raw=$(stat -c %s ui/dist/cairn_ui.js)
js_gz=$(gzip -9 -c ui/dist/cairn_ui.js | wc -c)

Xvfb :93 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1

pss_of() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }

# One launch of binary $1 with a fresh data dir: prints "ms app_kib web_kib net_kib".
launch() {
  local bin=$1 data start end pid a w n c
  data=$(mktemp -d)
  start=$(date +%s%N)
  DISPLAY=:93 CAIRN_DATA_DIR="$data" CAIRN_RPC_URL=http://127.0.0.1:9 "$bin" >/dev/null 2>&1 &
  pid=$!
  until grep -qs '"wallet_status"' "$data"/logs/cairn.*.log 2>/dev/null; do
    sleep 0.005
    if (( ($(date +%s%N) - start) > 30000000000 )); then echo "no interactive screen in 30 s" >&2; exit 1; fi
  done
  end=$(date +%s%N)
  sleep 5   # let start-up allocations settle before reading memory
  a=$(pss_of "$pid"); w=0; n=0
  for c in $(descendants "$pid"); do
    case "$(cat /proc/$c/comm 2>/dev/null)" in
      WebKitWebProces*) w=$(( w + $(pss_of "$c") ));;
      WebKitNetworkPr*) n=$(( n + $(pss_of "$c") ));;
      *) a=$(( a + $(pss_of "$c") ));;
    esac
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
  echo "$(( (end - start) / 1000000 )) $a $w $n"
}

times=(); app_pss=(); web_pss=(); net_pss=(); base_times=(); base_pss=()
for i in $(seq 1 "$runs"); do
  # With a baseline, the two alternate and take turns going first: a machine that slows down
  # during the run slows both.
  if [ -n "$baseline" ] && (( i % 2 == 0 )); then
    read -r t a w n < <(launch "$baseline"); [ -n "$t" ] || exit 1; base_times+=("$t"); base_pss+=($(( a + w + n )))
  fi
  read -r t a w n < <(launch "$app"); [ -n "$t" ] || exit 1
  times+=("$t"); app_pss+=("$a"); web_pss+=("$w"); net_pss+=("$n")
  if [ -n "$baseline" ] && (( i % 2 == 1 )); then
    read -r t a w n < <(launch "$baseline"); [ -n "$t" ] || exit 1; base_times+=("$t"); base_pss+=($(( a + w + n )))
  fi
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k/1024}'; }
kib() { awk -v b="$1" 'BEGIN {printf "%.1f KiB", b/1024}'; }
tot=$(( $(median "${app_pss[@]}") + $(median "${web_pss[@]}") + $(median "${net_pss[@]}") ))

echo "| figure | value |"
echo "|---|---|"
echo "| release binary (\`cairn-app\`, stripped, lto) | $(mib $((bin_bytes / 1024))) |"
echo "| UI wasm raw / gzip -9 | $(kib "$wasm_raw") / $(kib "$wasm_gz") |"
echo "| UI JS glue raw / gzip -9 | $(kib "$js_raw") / $(kib "$js_gz") |"
echo "| launch → first interactive screen, median of $runs (min–max) | $(median "${times[@]}") ms ($(printf '%s\n' "${times[@]}" | sort -n | head -1)–$(printf '%s\n' "${times[@]}" | sort -n | tail -1) ms) |"
echo "| PSS after 5 s: app | $(mib "$(median "${app_pss[@]}")") |"
echo "| PSS after 5 s: WebKitWebProcess | $(mib "$(median "${web_pss[@]}")") |"
echo "| PSS after 5 s: WebKitNetworkProcess | $(mib "$(median "${net_pss[@]}")") |"
echo "| PSS after 5 s: all | $(mib "$tot") |"
if [ -n "$baseline" ]; then
  echo "| baseline \`$baseline\`: binary | $(mib $(( $(stat -c %s "$baseline") / 1024 ))) |"
  echo "| baseline: launch → first interactive screen, median of $runs (min–max) | $(median "${base_times[@]}") ms ($(printf '%s\n' "${base_times[@]}" | sort -n | head -1)–$(printf '%s\n' "${base_times[@]}" | sort -n | tail -1) ms) |"
  echo "| baseline: PSS after 5 s: all | $(mib "$(median "${base_pss[@]}")") |"
fi

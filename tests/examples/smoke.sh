#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of one example: start the demo server on a free port, run the example offscreen
# against it for a few seconds; the example exits 0 only if it received events.
#   smoke.sh SERVER EXAMPLE URL_PATH [EXTRA ARGS...]
set -euo pipefail
server=$1 example=$2 path=$3
shift 3
log=$(mktemp)
"$server" --port 0 --tick-ms 50 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
    port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "${port:-}" ] || { echo "demo server did not start"; cat "$log"; exit 1; }
export QT_QPA_PLATFORM=offscreen
"$example" "$@" "http://127.0.0.1:$port$path"

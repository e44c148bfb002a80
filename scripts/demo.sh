#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo, from a fresh Debian machine: installs what it needs, builds the library and the
# examples, starts the demo server and opens the live dashboard against it. Without a display
# it says so and runs ssecat against the demo server instead.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
qtsse_ensure_packages "${QTSSE_BUILD_PACKAGES[@]}"

build=${QTSSE_DEMO_BUILD_DIR:-build-demo}
echo "== configure and build ($build)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQTSSE_BUILD_TESTS=OFF \
    -DQTSSE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" --parallel "$(nproc 2>/dev/null || echo 2)"

log=$(mktemp)
"$build/examples/demoserver/ssedemoserver" --port 0 --drop-every 20 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
    port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "${port:-}" ] || { echo "the demo server did not start:"; cat "$log"; exit 1; }
url="http://127.0.0.1:$port/ticker"
echo "== demo server on http://127.0.0.1:$port/ (it drops every stream each 20 s, to show reconnects)"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "== the live dashboard (close the window to end)"
    "$build/examples/dashboard/dashboard" --url "$url"
else
    echo "== no display (neither DISPLAY nor WAYLAND_DISPLAY is set): running ssecat instead."
    echo "   With a display, this command opens the live dashboard."
    "$build/examples/ssecat/ssecat" -n 12 "$url"
fi

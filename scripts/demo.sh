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

. scripts/demoserver.sh
qtsse_start_demo_server "$build/examples/demoserver/ssedemoserver" --drop-every 20
port=$QTSSE_DEMO_PORT
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

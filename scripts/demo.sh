#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo, from a fresh Debian machine: installs what it needs, builds, and runs ssecat on
# the sample stream.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
qtsse_ensure_packages "${QTSSE_BUILD_PACKAGES[@]}"

build=${QTSSE_DEMO_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" --parallel "$(nproc 2>/dev/null || echo 2)"

echo "== ssecat --input tests/auto/ssecat/data/sample.sse"
"$build/examples/ssecat/ssecat" --input tests/auto/ssecat/data/sample.sse
echo "== the same, as JSON lines"
"$build/examples/ssecat/ssecat" --json --input tests/auto/ssecat/data/sample.sse

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# arm64-linescan.sh [BUILD_DIR]: the parser's ARM64 (NEON) line-end search, built with Debian's
# aarch64 cross compiler and run under qemu-user against the scalar loop and over the parse
# vectors (tests/auto/eventstreamparser/linescan_check.cpp; src/linescan_p.h is free of Qt for
# this). The x86-64 build runs the same check as the ctest test tst_linescan. Takes about 15 s
# once the two packages are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-arm64}

. scripts/deps.sh
qtsse_ensure_packages "${QTSSE_ARM64_PACKAGES[@]}"

mkdir -p "$build"
echo "== linescan_check for ARM64 ($(aarch64-linux-gnu-g++ --version | head -1)), under qemu-aarch64"
aarch64-linux-gnu-g++ -std=c++17 -O2 -static -Wall -Wextra -Wpedantic -Wshadow -Wold-style-cast \
    -Werror -Isrc tests/auto/eventstreamparser/linescan_check.cpp -o "$build/linescan_check"
qemu-aarch64 "$build/linescan_check" tests/auto/eventstreamparser/data/sse-vectors.json \
    tests/fuzz/sse.dict

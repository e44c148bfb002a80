#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [SECONDS] [BUILD_DIR]: builds the libFuzzer target with clang (its own build directory)
# and fuzzes QtSse::EventStreamParser for SECONDS (default 60), starting from the seed corpus made
# from the parse vectors. Fails on a crash, a sanitizer report or a broken invariant (chunking,
# caps, decoding: see fuzz_parser.cpp); the input that failed is left in BUILD_DIR as crash-*.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds=${1:-60}
build=${2:-build-fuzz}

cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=
cmake --build "$build" --parallel 2
mkdir -p "$build/corpus"
log="$build/fuzz.log"
status=0
(cd "$build" && ./fuzz_parser -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -dict="$root/tests/fuzz/sse.dict" corpus seeds) >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
if [ "$status" != 0 ]; then
    tail -60 "$log"
    echo "fuzz_parser FAILED (exit $status) after ${runs:-?} executions; inputs: $build/crash-*" >&2
    exit 1
fi
grep -E '^Done|^stat::(new_units_added|peak_rss_mb)' "$log" || true
echo "fuzz_parser: ${runs:-?} executions in ${seconds} s, no crash, no invariant broken"

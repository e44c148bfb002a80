#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [SECONDS] [BUILD_DIR] [HTTP_SECONDS]: builds the libFuzzer targets with clang (their own
# build directory), fuzzes QtSse::EventStreamParser for SECONDS (default 60), starting from the
# seed corpus made from the parse vectors, then the own transport's HttpResponseReader for
# HTTP_SECONDS (default 20), starting from the HTTP seed corpus (make_seeds --http). Fails on a
# crash, a sanitizer report or a broken invariant (see fuzz_parser.cpp, fuzz_http.cpp); the input
# that failed is left in BUILD_DIR as crash-*.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds=${1:-60}
build=${2:-build-fuzz}
http_seconds=${3:-20}

cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=
cmake --build "$build" --parallel 2

# fuzz TARGET SECONDS DICT CORPUS SEEDS
fuzz() {
    local target=$1 seconds=$2 dict=$3 corpus=$4 seeds=$5
    local log="$build/$target.log" status=0 runs
    mkdir -p "$build/$corpus"
    (cd "$build" && "./$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -dict="$root/tests/fuzz/$dict" "$corpus" "$seeds") >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ "$status" != 0 ]; then
        tail -60 "$log"
        echo "$target FAILED (exit $status) after ${runs:-?} executions; inputs: $build/crash-*" >&2
        exit 1
    fi
    grep -E '^Done|^stat::(new_units_added|peak_rss_mb)' "$log" || true
    echo "$target: ${runs:-?} executions in ${seconds} s, no crash, no invariant broken"
}
fuzz fuzz_parser "$seconds" sse.dict corpus seeds
fuzz fuzz_http "$http_seconds" http.dict http-corpus http-seeds

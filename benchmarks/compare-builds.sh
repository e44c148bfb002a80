#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compare-builds.sh: the end-to-end workloads of shared/bench/run-peers.sh (w1: 16-byte events,
# w2: 1 KiB events) for several builds of qtsse-bench-client in one run, interleaved run by
# run, so that a change is measured against the build before it under the same load. Prints
# the median wall time and the median CPU time (user + system) of each client per workload;
# CPU time is what a busy, shared machine disturbs least.
#
#   benchmarks/compare-builds.sh NAME=BINARY[:ENV=VALUE] ...
#   RUNS=5 SCALE=10 benchmarks/compare-builds.sh \
#       before=/path/old/qtsse-bench-client after=build-rel/benchmarks/qtsse-bench-client \
#       markers=build-rel/benchmarks/qtsse-bench-client:QTSSE_BENCH_FINISH_MARKERS=[DONE]
#
# The server is shared/bench's sse-server.c (loopback only, exits by itself), built here with
# gcc. Every run must deliver exactly N events, or the script fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bench=${QTSSE_PEER_BENCH:-$here/../../shared/bench}
runs=${RUNS:-5}
scale=${SCALE:-10}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
[ $# -gt 0 ] || { sed -n '3,14p' "$0"; exit 2; }

gcc -O2 -pthread -o "$work/sse-server" "$bench/sse-server.c"
"$work/sse-server" --port 0 --port-file "$work/port" --max-seconds 1800 >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
base=http://127.0.0.1:$(cat "$work/port")

declare -A wall cpu
names=()
for spec in "$@"; do names+=("${spec%%=*}"); done
for w in w1 w2; do
    case $w in
    w1) n=$((200000 * scale)) size=16 ;;
    w2) n=$((20000 * scale)) size=1024 ;;
    esac
    for r in $(seq "$runs"); do
        for spec in "$@"; do
            name=${spec%%=*} rest=${spec#*=}
            bin=${rest%%:*} env=()
            [[ $rest == *:* ]] && env=("${rest#*:}")
            # bash's time: real, user and system seconds of the client alone.
            TIMEFORMAT='%R %U %S'
            { time env "${env[@]}" "$bin" "$base/stream?n=$n&size=$size" "$n" tput "" 120 \
                >"$work/out" 2>/dev/null; } 2>"$work/time"
            read -r real user sys <"$work/time"
            grep -q "events=$n " "$work/out" || { echo "$name $w: wrong result: $(cat "$work/out")" >&2; exit 1; }
            secs=$(sed -n 's/.* secs=\([^ ]*\).*/\1/p' "$work/out")
            wall[$w.$name]+="$secs "
            cpu[$w.$name]+="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }') "
        done
    done
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "compare-builds: $runs runs per cell, SCALE=$scale, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %-12s %12s %10s %12s %10s\n' workload client events/s ratio cpu-s cpu-ratio
for w in w1 w2; do
    first=${names[0]}
    bw=$(median ${wall[$w.$first]}) bc=$(median ${cpu[$w.$first]})
    case $w in w1) n=$((200000 * scale)) ;; w2) n=$((20000 * scale)) ;; esac
    for name in "${names[@]}"; do
        mw=$(median ${wall[$w.$name]}) mc=$(median ${cpu[$w.$name]})
        awk -v w="$w" -v c="$name" -v n="$n" -v mw="$mw" -v mc="$mc" -v bw="$bw" -v bc="$bc" 'BEGIN {
            printf "%-10s %-12s %12.0f %10.3f %12.3f %10.3f\n", w, c, n / mw, bw / mw, mc, mc / bc }'
    done
done

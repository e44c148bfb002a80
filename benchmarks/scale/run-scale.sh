#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-scale.sh: the scale table of BENCHMARKS.md. For every N and host count, QtSse in its
# default and shared modes and the Node peer (npm eventsource) against sse-scale-server, one
# configuration at a time, RUNS runs each; prints each RESULT line and a Markdown table of the
# medians.
#   BUILD=build-rel benchmarks/scale/run-scale.sh
# Knobs: NS="10 100 1000 2000" RUNS=3 SECONDS_WINDOW=10 CLIENTS="qtsse-default qtsse-shared node"
#        HOSTS="1 n5" (n5: N/5 hosts) SCALE_NODE_DIR=/tmp/scale-node
#        A client NAME=BUILD_DIR:MODE runs that build's qtsse-bench-scale in MODE (default or
#        shared), to compare builds in one invocation, e.g.
#        CLIENTS="before=/tmp/old/build-rel:default after=build-rel:default node"
#        Runs are interleaved (every client once, RUNS times), so that a change of the machine's
#        load falls on every client alike.
#        IDLE=1: the server sends headers and then nothing; the window counts wake-ups
#        (win_csw_per_s) of streams that carry no event.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-build-rel}
bench=$build/benchmarks/qtsse-bench-scale
server=$build/benchmarks/sse-scale-server
[ -x "$bench" ] && [ -x "$server" ] || {
    echo "build $bench and $server first: cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release && cmake --build $build --target qtsse-bench-scale sse-scale-server" >&2
    exit 2
}
NS=${NS:-"10 100 1000 2000"}
RUNS=${RUNS:-3}
SECONDS_WINDOW=${SECONDS_WINDOW:-10}
CLIENTS=${CLIENTS:-"qtsse-default qtsse-shared node"}
HOSTS=${HOSTS:-"1 n5"}
export SCALE_NODE_DIR=${SCALE_NODE_DIR:-/tmp/scale-node}
if [[ " $CLIENTS " == *" node "* ]] && [ ! -d "$SCALE_NODE_DIR/node_modules/eventsource" ]; then
    mkdir -p "$SCALE_NODE_DIR"
    (cd "$SCALE_NODE_DIR" && npm install --silent --no-audit --no-fund eventsource@5.1.5 >/dev/null)
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
results=$(mktemp)
trap 'rm -f "$results"' EXIT

run_one() { # CLIENT N PORTS
    local client=$1 n=$2 ports=$3 log base line
    log=$(mktemp)
    local idle=()
    [ "${IDLE:-0}" = 1 ] && idle=(--idle)
    "$server" --ports "$ports" --lifetime $((SECONDS_WINDOW + 120)) "${idle[@]}" >"$log" 2>/dev/null &
    local pid=$!
    for _ in $(seq 100); do grep -q '^PORTS' "$log" && break; sleep 0.1; done
    base=$(sed -n 's/^PORTS base=\([0-9]*\).*/\1/p' "$log")
    local args=(--n "$n" --base-port "$base" --ports "$ports" --seconds "$SECONDS_WINDOW")
    case $client in
    qtsse-default) line=$("$bench" "${args[@]}" --mode default | grep '^RESULT' || true) ;;
    qtsse-shared) line=$("$bench" "${args[@]}" --mode shared | grep '^RESULT' || true) ;;
    *=*:*)
        local spec=${client#*=}
        line=$("${spec%:*}/benchmarks/qtsse-bench-scale" "${args[@]}" --mode "${spec##*:}" \
            | grep '^RESULT' || true) ;;
    node) line=$(node "$here/scaleprobe.mjs" "${args[@]}" | grep '^RESULT' || true) ;;
    esac
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$log"
    echo "$line"
    echo "${client%%=*} $n $ports $line" >>"$results"
}

for n in $NS; do
    for hosts in $HOSTS; do
        ports=$hosts
        [ "$hosts" = n5 ] && ports=$(( n / 5 > 0 ? n / 5 : 1 ))
        for _ in $(seq "$RUNS"); do
            for client in $CLIENTS; do run_one "$client" "$n" "$ports"; done
        done
    done
done

# The medians, per configuration.
python3 - "$results" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    client, n, ports, *rest = line.split()
    kv = dict(p.split('=', 1) for p in rest if '=' in p)
    if not kv:
        continue
    rows.setdefault((int(n), int(ports), client), []).append(kv)
def med(runs, key):
    return statistics.median(float(r[key]) for r in runs)
print()
print('| N | hosts | client | threads | fds | RSS MiB | CPU us/event | main-thread us/event | ctx sw/s | open ms | all open | events/expected | p50 ms | p99 ms |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
for (n, ports, client), runs in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
    per = statistics.median(float(r['win_cpu_s']) / max(1.0, float(r['win_events'])) * 1e6 for r in runs)
    main = statistics.median(float(r['win_main_cpu_s']) / max(1.0, float(r['win_events'])) * 1e6 for r in runs)
    ratio = statistics.median(float(r['win_events']) / max(1.0, float(r['expected'])) for r in runs)
    allopen = min(int(r['all_open']) for r in runs)
    print(f"| {n} | {ports} | {client} | {med(runs,'threads'):.0f} | {med(runs,'fds'):.0f} | {med(runs,'rss_mib'):.1f} | {per:.1f} | {main:.1f} | {med(runs,'win_csw_per_s'):.0f} | {med(runs,'open_ms'):.0f} | {allopen} | {ratio:.3f} | {med(runs,'lat_p50_ms'):.3f} | {med(runs,'lat_p99_ms'):.3f} |")
print(f"\n({len(rows)} configurations, medians of the runs of each)")
PY

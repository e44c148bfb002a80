#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of one example: start the demo server on a free port, run the example offscreen
# against it for a few seconds; the example exits 0 only if it received events.
#   smoke.sh SERVER EXAMPLE URL_PATH [EXTRA ARGS...]
# Or with no URL, as Qt Creator's Run starts it: the example starts the demo server in-process,
# must say so, and must receive events from it.
#   smoke.sh --in-process EXAMPLE [ARGS...]
set -euo pipefail
export QT_QPA_PLATFORM=offscreen
if [ "$1" = --in-process ]; then
    example=$2
    shift 2
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    status=0
    "$example" "$@" >"$log" 2>&1 || status=$?
    cat "$log"
    grep -q "no URL given: started the demo server in-process on http://127.0.0.1:" "$log" || {
        echo "the example did not say that it started the demo server in-process"
        exit 1
    }
    exit "$status"
fi
server=$1 example=$2 path=$3
shift 3
. "$(dirname "$0")/../../scripts/demoserver.sh"
qtsse_start_demo_server "$server" --tick-ms 50
port=$QTSSE_DEMO_PORT
"$example" "$@" "http://127.0.0.1:$port$path"

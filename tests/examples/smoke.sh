#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of one example: start the demo server on a free port, run the example offscreen
# against it for a few seconds; the example exits 0 only if it received events.
#   smoke.sh SERVER EXAMPLE URL_PATH [EXTRA ARGS...]
set -euo pipefail
server=$1 example=$2 path=$3
shift 3
. "$(dirname "$0")/../../scripts/demoserver.sh"
qtsse_start_demo_server "$server" --tick-ms 50
port=$QTSSE_DEMO_PORT
export QT_QPA_PLATFORM=offscreen
"$example" "$@" "http://127.0.0.1:$port$path"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sourced by demo.sh and the example smoke tests: starts ssedemoserver on a free loopback port
# and waits until it listens. Sets QTSSE_DEMO_PORT and QTSSE_DEMO_PID; the server is killed
# when the calling shell exits.
#   qtsse_start_demo_server SERVER_BINARY [SERVER OPTIONS...]
qtsse_start_demo_server() {
    local log
    log=$(mktemp)
    "$@" --port 0 >"$log" 2>&1 &
    QTSSE_DEMO_PID=$!
    # shellcheck disable=SC2064
    trap "kill $QTSSE_DEMO_PID 2>/dev/null || true; rm -f '$log'" EXIT
    QTSSE_DEMO_PORT=
    for _ in $(seq 200); do
        QTSSE_DEMO_PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
        [ -n "$QTSSE_DEMO_PORT" ] && return 0
        sleep 0.05
    done
    echo "the demo server did not start:" >&2
    cat "$log" >&2
    return 1
}

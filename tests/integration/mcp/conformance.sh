#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One client scenario of MCP's conformance suite (@modelcontextprotocol/conformance, pinned in
# package-lock.json here) with mcpclient as the client under test. The suite starts its own
# server on a free port, runs the client with the server's URL appended, and grades the
# exchange. Any FAILURE or WARNING, or no check at all, fails the test; the "Passed: N/N" line is printed last.
#   conformance.sh NODE SCENARIO MCPCLIENT [MCPCLIENT ARGS...]
# Skips (exit 77) when node or the suite is missing, unless QTSSE_REQUIRE_INTEGRATION=1.
set -uo pipefail
node=$1 scenario=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
suite=$here/node_modules/@modelcontextprotocol/conformance/dist/index.js

missing=""
[ -x "$node" ] || missing="node was not found when CMake ran"
[ -z "$missing" ] && [ ! -f "$suite" ] && missing="the MCP conformance suite is not installed: run \`npm ci\` in $here (scripts/deps.sh does)"
if [ -n "$missing" ]; then
    echo "$missing"
    [ "${QTSSE_REQUIRE_INTEGRATION:-0}" = 1 ] && exit 1
    exit 77
fi

# The suite splits --command on spaces and runs it through a shell: each word is quoted here,
# so JSON arguments keep their quotes (a word must not contain a space or a single quote).
command=""
for word in "$@"; do
    case $word in
        *" "* | *"'"*) echo "conformance.sh: cannot pass \"$word\" through the suite"; exit 1 ;;
    esac
    command+="'$word' "
done

output=$("$node" "$suite" client --scenario "$scenario" --timeout 20000 --command "${command% }" 2>&1)
status=$?
# Without colours, for the test log.
printf '%s\n' "$output" | sed 's/\x1b\[[0-9;]*m//g'
passed=$(printf '%s\n' "$output" | grep -E '^Passed: [0-9]+/[0-9]+' | tail -1)
echo "== $scenario: ${passed:-no result line} (exit $status)"
if [ $status -ne 0 ] || ! printf '%s\n' "$passed" | grep -qE '^Passed: ([1-9][0-9]*)/\1, 0 failed, 0 warnings$'; then
    exit 1
fi

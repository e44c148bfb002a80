#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of the chat example (tokenstream): start the demo server on a free port, send one
# prompt offscreen to one of its LLM endpoints, with a fault or none, then check how the answer
# ended (the chat's last line and exit status) and how many requests the endpoint received
# (counted by the server: GET /control/stats).
#   chat-smoke.sh SERVER CHAT API FAULT EXIT REQUESTS OUTCOME_REGEX [CHAT ARGS...]
#     API       openai, responses or anthropic
#     FAULT     none, cut, 429 or error
#     EXIT      the chat's expected exit status (0: the answer is complete)
#     REQUESTS  how many requests the endpoint must have received
set -euo pipefail
server=$1 chat=$2 api=$3 fault=$4 expected_exit=$5 expected_requests=$6 outcome=$7
shift 7
case $api in
openai) path=/v1/chat/completions ;;
responses) path=/v1/responses ;;
anthropic) path=/v1/messages ;;
*) echo "unknown API $api" >&2; exit 2 ;;
esac
. "$(dirname "$0")/../../scripts/demoserver.sh"
qtsse_start_demo_server "$server"
port=$QTSSE_DEMO_PORT

args=(--url "http://127.0.0.1:$port/v1" --api "$api" --prompt "What are Server-Sent Events?")
[ "$fault" = none ] || args+=(--fault "$fault")
status=0
# No provider settings from the caller's environment: this is the demo server.
output=$(env -u QTSSE_CHAT_URL -u QTSSE_CHAT_KEY -u QTSSE_CHAT_MODEL -u QTSSE_CHAT_API \
    QT_QPA_PLATFORM=offscreen "$chat" "${args[@]}" "$@") || status=$?
echo "$output"

exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /control/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
stats=$(cat <&3)
exec 3<&-
stats=${stats##*$'\r\n\r\n'}
echo "server: $stats"

failed=0
if [ "$status" -ne "$expected_exit" ]; then
    echo "FAIL: the chat exited with $status, expected $expected_exit" >&2
    failed=1
fi
if ! grep -Eq -- "$outcome" <<<"$output"; then
    echo "FAIL: no line of the chat's output matches: $outcome" >&2
    failed=1
fi
if ! grep -Fq "\"$path\":$expected_requests," <<<"$stats" \
    && ! grep -Fq "\"$path\":$expected_requests}" <<<"$stats"; then
    echo "FAIL: $path did not receive exactly $expected_requests request(s)" >&2
    failed=1
fi
exit $failed

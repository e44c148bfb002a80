#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# format-check.sh [--fix]: checks that every C and C++ source of the project (the *.h, *.cpp and
# *.c files git knows in src/, qml/, tests/, examples/ and benchmarks/) is formatted as
# .clang-format (Qt's style) says; any difference fails. --fix reformats them in place instead:
#
#   scripts/format-check.sh --fix
#
# clang-format's output differs from one major version to the next for the same style file, so
# the check is defined for one version only: clang-format 14, Debian 12's (the host release).
# Anywhere else (another release's clang-format, or none) it says so and exits 0 without
# checking; scripts/suite.sh runs it on Debian 12 only. QML files are not covered (qmlformat is
# a separate tool).
set -euo pipefail
cd "$(dirname "$0")/.."

fix=0
case ${1:-} in
--fix) fix=1 ;;
"") ;;
*) echo "usage: $0 [--fix]" >&2; exit 2 ;;
esac

required_major=14
clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null; then
    echo "== format check skipped: no $clang_format (it is defined for clang-format $required_major)"
    exit 0
fi
version=$("$clang_format" --version)
major=$(sed -n 's/.*clang-format version \([0-9]*\)\..*/\1/p' <<<"$version")
if [ "$major" != "$required_major" ]; then
    echo "== format check skipped: $version; the check is defined for clang-format $required_major"
    exit 0
fi

mapfile -d '' files < <(git ls-files -z -- 'src/*.h' 'src/*.cpp' 'src/*.c' 'qml/*.h' 'qml/*.cpp' \
    'qml/*.c' 'tests/*.h' 'tests/*.cpp' 'tests/*.c' 'examples/*.h' 'examples/*.cpp' \
    'examples/*.c' 'benchmarks/*.h' 'benchmarks/*.cpp' 'benchmarks/*.c' \
    ':!benchmarks/scale/*') # benchmarks/scale/ is the team's shared scale bench, kept verbatim
[ "${#files[@]}" -gt 0 ] || { echo "no sources found" >&2; exit 1; }

if [ "$fix" = 1 ]; then
    echo "== clang-format -i: ${#files[@]} files ($version)"
    "$clang_format" -i --style=file -- "${files[@]}"
    exit 0
fi

echo "== clang-format --dry-run --Werror: ${#files[@]} files ($version)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if "$clang_format" --dry-run --Werror --style=file -- "${files[@]}" 2>"$log"; then
    echo "== format check passed"
    exit 0
fi
cat "$log" >&2
places=$(grep -c ': error: code should be clang-formatted' "$log" || true)
echo "== format check failed: $places places in $(grep ': error: code should be clang-formatted' \
    "$log" | cut -d: -f1 | sort -u | wc -l) files; scripts/format-check.sh --fix reformats them" >&2
exit 1

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# memcheck.sh VALGRIND TEST_BINARY [test functions...]: runs a QtTest binary under valgrind
# memcheck and fails on any memory error or definite leak. Registered with ctest under the
# "valgrind" label; it runs only when QTSSE_VALGRIND=1 (it takes minutes), and otherwise exits 77,
# which ctest reports as skipped.
set -euo pipefail
if [ "${QTSSE_VALGRIND:-0}" != 1 ]; then
    echo "valgrind memcheck skipped: set QTSSE_VALGRIND=1 to run it"
    exit 77
fi
valgrind=$1
binary=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
# PCRE2's JIT code (QRegularExpression, reached from Qt's TLS backend) reads memory that memcheck
# cannot follow and reports hundreds of uninitialised-value jumps on newer Debian releases; the
# interpreter does the same matching without JIT, so the report shows only real errors.
export QT_ENABLE_REGEXP_JIT=0
exec "$valgrind" --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite --error-exitcode=1 --track-origins=no --num-callers=30 \
    --suppressions="$here/qt.supp" \
    "$binary" -maxwarnings 0 "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, from a fresh Debian machine: installs what it needs, configures,
# builds and runs every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
qtsse_ensure_packages "${QTSSE_BUILD_PACKAGES[@]}" doxygen
qtsse_ensure_packages "${QTSSE_INTEGRATION_PACKAGES[@]}"
qtsse_ensure_packages "${QTSSE_RELIABILITY_PACKAGES[@]}"
qtsse_ensure_node

jobs=$(nproc 2>/dev/null || echo 2)
build=${QTSSE_TEST_BUILD_DIR:-build-test}

echo "== configure and build ($build)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DQTSSE_WERROR=ON
cmake --build "$build" --parallel "$jobs"

echo "== qmllint"
# qmllint exits non-zero on any warning (255 on Qt 6.4.2), so all_qmllint fails the script.
targets=$(cmake --build "$build" --target help)
if grep -q all_qmllint <<<"$targets"; then
    cmake --build "$build" --target all_qmllint
else
    echo "no QML files to lint (QtQuickTest not found?)"
fi

echo "== API reference (Doxygen; an undocumented public symbol fails the build)"
cmake --build "$build" --target docs

echo "== tests"
# The integration tests fail, rather than skip, when nginx, openssl or node is missing.
export QTSSE_REQUIRE_INTEGRATION=1
ctest --test-dir "$build" --output-on-failure --parallel "$jobs"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer: the whole suite again"
# Issue 7. A second build directory, instrumented, at -O1 to keep it quick. LeakSanitizer is on and
# needs no suppressions: the suite is leak-free as it is. Every executable links the sanitizer
# runtime, also those that do not use qtsse_build_settings (the QML examples) but load the
# instrumented library; LDFLAGS does the same for the projects the packaging test builds.
asan_build=${QTSSE_ASAN_BUILD_DIR:-build-asan}
asan_link=-fsanitize=address,undefined
cmake -S . -B "$asan_build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DQTSSE_WERROR=ON \
    -DQTSSE_SANITIZE=address,undefined -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_EXE_LINKER_FLAGS="$asan_link"
cmake --build "$asan_build" --parallel "$jobs"
LDFLAGS="$asan_link" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$asan_build" --output-on-failure --parallel "$jobs"

echo "== fuzz the parser (libFuzzer + ASan + UBSan, clang)"
qtsse_ensure_packages "${QTSSE_FUZZ_PACKAGES[@]}"
tests/fuzz/run.sh "${QTSSE_FUZZ_SECONDS:-60}" "${QTSSE_FUZZ_BUILD_DIR:-build-fuzz}"

echo "== valgrind memcheck: tst_eventsource and tst_reliability"
qtsse_ensure_packages "${QTSSE_VALGRIND_PACKAGES[@]}"
cmake -S . -B "$build" >/dev/null # registers the valgrind tests when valgrind was just installed
QTSSE_VALGRIND=1 ctest --test-dir "$build" -L valgrind --output-on-failure

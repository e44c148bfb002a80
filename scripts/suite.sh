#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# suite.sh [--full]: the whole test suite against the Qt of this machine (or chroot): installs
# what it needs, checks the C++ formatting (Debian 12 only, scripts/format-check.sh), configures
# with warnings as errors, builds, lints every QML file (any warning fails, see .qmllint.ini),
# builds the API reference, runs every ctest test (on Debian 13 with every source on
# QNetworkAccessManager, QTSSE_QNAM_TRANSPORT_CODENAME). --full adds the AddressSanitizer +
# UndefinedBehaviorSanitizer build of the whole suite (on Debian 13 with every source that can on
# QtSse's own transport, in its reading threads: QTSSE_OWN_TRANSPORT_CODENAME), libFuzzer on the
# parser and the HTTP response reader, and valgrind memcheck (on Debian 13 only,
# QTSSE_VALGRIND_CODENAME). --fuzz adds only the fuzzer (the clang build and a shorter run). On
# Debian 12 only (to save CI time), it also runs the parser's tests and fuzz seeds on ARM64 under
# qemu-user, builds the suite once more with zlib, brotli, zstd and pkg-config hidden and runs
# its unit and integration tests (every source on QNetworkAccessManager), and builds the library
# and its C++ tests in Release and runs those (QTSSE_RELEASE_TESTS=1 adds that elsewhere).
# scripts/test.sh runs it once per supported Debian release.
set -euo pipefail
cd "$(dirname "$0")/.."
full=0 fuzz=0
for arg in "$@"; do
    case $arg in
    --full) full=1 fuzz=1 ;;
    --fuzz) fuzz=1 ;;
    *) echo "usage: $0 [--full|--fuzz]" >&2; exit 2 ;;
    esac
done

. scripts/deps.sh
qtsse_ensure_packages "${QTSSE_BUILD_PACKAGES[@]}" "${QTSSE_DOCS_PACKAGES[@]}" \
    "${QTSSE_INTEGRATION_PACKAGES[@]}"
qtsse_ensure_node

jobs=$(nproc 2>/dev/null || echo 2)
build=${QTSSE_TEST_BUILD_DIR:-build-test}
qt=$(qtsse_qt_version)
release=$(qtsse_release)
echo "== Qt $qt on $release, $(c++ --version | head -1)"

# Early, as it needs no build: clang-format over the C++ sources, where its version is the one
# the check is defined for (see scripts/format-check.sh).
if [ "$(qtsse_codename)" = "$QTSSE_FORMAT_CODENAME" ]; then
    qtsse_ensure_packages "${QTSSE_FORMAT_PACKAGES[@]}"
    scripts/format-check.sh
else
    echo "== format check: on Debian $QTSSE_FORMAT_CODENAME only (clang-format 14), not $release"
fi

if [ "$(qtsse_codename)" = "$QTSSE_FORMAT_CODENAME" ]; then
    echo "== ARM64: the parser's tests and the fuzz seeds, cross-built, under qemu-user"
    scripts/arm64.sh "${QTSSE_ARM64_BUILD_DIR:-build-arm64}"
fi

echo "== configure and build ($build)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DQTSSE_WERROR=ON
cmake --build "$build" --parallel "$jobs"

echo "== qmllint (any warning fails)"
cmake --build "$build" --target all_qmllint

echo "== API reference (an undocumented public symbol fails the build)"
cmake --build "$build" --target docs

echo "== tests (Qt $qt, $release)"
# The integration tests fail, rather than skip, when nginx or node is missing.
export QTSSE_REQUIRE_INTEGRATION=1
main_transport=${QTSSE_TRANSPORT:-}
if [ "$(qtsse_codename)" = "$QTSSE_QNAM_TRANSPORT_CODENAME" ]; then
    main_transport=qnam
    echo "== (every source on QNetworkAccessManager: QTSSE_TRANSPORT=qnam)"
fi
QTSSE_TRANSPORT=$main_transport ctest --test-dir "$build" --output-on-failure --parallel "$jobs"

if [ "$(qtsse_codename)" = "$QTSSE_FORMAT_CODENAME" ]; then
    # Only Qt present, as on Windows or with a bare Qt: the content decoders' CMake packages are
    # disabled and pkg-config points nowhere (Qt's own optional pkg-config lookups fail quietly).
    # The library then decodes nothing and asks for Accept-Encoding: identity; the tests that
    # need zlib are left out at configure time. The packaging tests are left out here: they
    # configure QtSse afresh, with the codecs (the main run tests them).
    nocodecs=${QTSSE_NOCODECS_BUILD_DIR:-build-nocodecs}
    echo "== without zlib, brotli, zstd and pkg-config: configure, build, the suite ($nocodecs)"
    configured=$(cmake -S . -B "$nocodecs" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DQTSSE_WERROR=ON \
        -DQTSSE_BUILD_BENCHMARKS=OFF \
        -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON -DCMAKE_DISABLE_FIND_PACKAGE_zstd=ON \
        -DCMAKE_DISABLE_FIND_PACKAGE_brotli=ON -DCMAKE_DISABLE_FIND_PACKAGE_unofficial-brotli=ON \
        -DPKG_CONFIG_EXECUTABLE=/nonexistent/pkg-config)
    echo "$configured"
    grep -q "QtSse decodes no Content-Encoding" <<<"$configured" \
        || { echo "a decoder was found: the codecs are not hidden" >&2; exit 1; }
    cmake --build "$nocodecs" --parallel "$jobs"
    if readelf -d "$nocodecs"/src/libQtSse.so* | grep -E 'NEEDED.*(libz\.|brotli|zstd)'; then
        echo "libQtSse links a decoder it was built without" >&2
        exit 1
    fi
    if grep -E 'find_dependency\((ZLIB|PkgConfig|zstd|brotli|unofficial-brotli)|pkg_check_modules' \
        "$nocodecs/QtSseConfig.cmake"; then
        echo "the package config looks for a decoder this build did not use" >&2
        exit 1
    fi
    # On QNetworkAccessManager, as Debian 13's main run: the unit and integration tests on both
    # transports on Qt 6.4 too (the examples' smoke tests run on QNAM on Debian 13).
    QTSSE_TRANSPORT=qnam ctest --test-dir "$nocodecs" --output-on-failure --parallel "$jobs" \
        -LE 'packaging|examples'
fi

if [ "$(qtsse_codename)" = "$QTSSE_FORMAT_CODENAME" ] || [ "${QTSSE_RELEASE_TESTS:-0}" = 1 ]; then
    # The library as users ship it: optimised, no assertions. Timing-sensitive defects (a
    # client that keeps up until the moment it pauses) show only here. The C++ tests only
    # (the QML, example, integration and packaging tests add nothing a build type changes),
    # on this machine's Qt by default (QTSSE_RELEASE_TESTS=1 adds it elsewhere). Measured on
    # 2 cores shared with two other builds (2026-12-06): 14 min to build, 51 s to test; less
    # on a machine of its own.
    release_build=${QTSSE_RELEASE_BUILD_DIR:-build-release}
    echo "== Release build: the C++ tests as users ship the library ($release_build)"
    cmake -S . -B "$release_build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQTSSE_WERROR=ON \
        -DQTSSE_BUILD_EXAMPLES=OFF -DQTSSE_BUILD_BENCHMARKS=OFF
    cmake --build "$release_build" --parallel "$jobs"
    ctest --test-dir "$release_build/tests/auto" --output-on-failure --parallel "$jobs" \
        -R '^tst_' -E '^tst_(qml|ssecat)$'
fi

if [ "$full" = 1 ]; then
    echo "== AddressSanitizer + UndefinedBehaviorSanitizer: the whole suite again (Qt $qt)"
    # An instrumented build at -O1 to keep it quick. LeakSanitizer is on, with one suppression:
    # OpenSSL's per-thread state orphaned at exit (tests/lsan.supp says why). Every executable
    # links the sanitizer runtime, also those that do not use qtsse_build_settings (the QML
    # examples) but load the instrumented library. The packaging tests are left out (they test
    # how QtSse is installed and consumed, which the other builds do).
    asan_build=${QTSSE_ASAN_BUILD_DIR:-build-asan}
    asan_link=-fsanitize=address,undefined
    cmake -S . -B "$asan_build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DQTSSE_WERROR=ON \
        -DQTSSE_SANITIZE=address,undefined -DCMAKE_CXX_FLAGS=-O1 \
        -DCMAKE_EXE_LINKER_FLAGS="$asan_link"
    cmake --build "$asan_build" --parallel "$jobs"
    transport=${QTSSE_TRANSPORT:-}
    reading_threads=${QTSSE_READING_THREADS:-}
    if [ "$(qtsse_codename)" = "$QTSSE_OWN_TRANSPORT_CODENAME" ]; then
        transport=own
        reading_threads=always
        echo "== (every source without an application's manager on QtSse's own transport, read in"
        echo "   its reading threads; tst_socketexchange runs in the test's thread too)"
    fi
    QTSSE_TRANSPORT=$transport QTSSE_READING_THREADS=$reading_threads \
        ASAN_OPTIONS=detect_leaks=1 \
        LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "$asan_build" --output-on-failure --parallel "$jobs"
fi

if [ "$fuzz" = 1 ]; then
    qtsse_ensure_packages "${QTSSE_FUZZ_PACKAGES[@]}"
    echo "== fuzz the parser and the HTTP response reader (libFuzzer + ASan + UBSan, $(clang++ --version | head -1))"
    seconds=${QTSSE_FUZZ_SECONDS:-30}
    [ "$full" = 1 ] || seconds=${QTSSE_FUZZ_SHORT_SECONDS:-20}
    tests/fuzz/run.sh "$seconds" "${QTSSE_FUZZ_BUILD_DIR:-build-fuzz}" \
        "${QTSSE_FUZZ_HTTP_SECONDS:-20}"
fi

if [ "$full" = 1 ] && [ "$(qtsse_codename)" = "$QTSSE_VALGRIND_CODENAME" ]; then
    echo "== valgrind memcheck: tst_eventsource and tst_reliability (Qt $qt)"
    qtsse_ensure_packages "${QTSSE_VALGRIND_PACKAGES[@]}"
    cmake -S . -B "$build" >/dev/null # registers the valgrind tests when valgrind was just installed
    QTSSE_VALGRIND=1 ctest --test-dir "$build" -L valgrind --output-on-failure --parallel "$jobs"
fi
echo "== suite passed: Qt $qt on $release"

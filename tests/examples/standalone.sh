#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An example opened on its own, the way Qt Creator 9 opens examples/<name>/CMakeLists.txt with a
# fresh Desktop kit: a new build directory, Creator's initial configuration (generator, Debug,
# its package-manager auto-setup, the kit's qmake, Qt prefix and compilers), no other step.
#   standalone.sh configure NAME SOURCE_DIR QT_PREFIX QMAKE CXX [LAUNCHER]
#       configures; QtSse, as if not installed, comes from the source tree, which the
#       configure says in one line; any CMake warning fails
#   standalone.sh run NAME ...      the same, then builds and runs it offscreen with no URL
#                                   (only --quit-after): it must start the demo server
#                                   in-process and receive events; prints the time from
#                                   configure to data on screen
#   standalone.sh outside NAME ...  a copy of the example outside the tree: no source build;
#                                   without an installed QtSse, CMake's find_package error
# LAUNCHER (e.g. ccache) is passed to the build when the calling build uses one; Creator's
# default kit has none.
set -euo pipefail
mode=$1 name=$2 src=$3 qt_prefix=$4 qmake=$5 cxx=$6 launcher=${7:-}
# A fixed place under the test's working directory (the build tree), made afresh: ccache, when
# the calling build uses it, then finds the objects of the previous run.
work=$PWD/standalone-$mode-$name
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
auto_setup=/usr/share/qtcreator/package-manager/auto-setup.cmake
[ -f "$auto_setup" ] || auto_setup=$src/tests/examples/creator-auto-setup.cmake
cc=$(command -v cc || command -v gcc || echo cc)
creator=(-G Ninja -DCMAKE_BUILD_TYPE:STRING=Debug
    "-DCMAKE_PROJECT_INCLUDE_BEFORE:FILEPATH=$auto_setup"
    "-DQT_QMAKE_EXECUTABLE:FILEPATH=$qmake" "-DCMAKE_PREFIX_PATH:PATH=$qt_prefix"
    "-DCMAKE_C_COMPILER:FILEPATH=$cc" "-DCMAKE_CXX_COMPILER:FILEPATH=$cxx")
[ -z "$launcher" ] || creator+=("-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher")
from_source="QtSse is not installed: building it from the source tree"
build=$work/build-$name-Desktop-Debug
log=$work/configure.log

case $mode in
configure | run)
    # As if QtSse were not installed, whatever this machine has (the demo server uses no QtSse).
    not_installed=(-DCMAKE_DISABLE_FIND_PACKAGE_QtSse=ON)
    [ "$name" != demoserver ] || not_installed=()
    start=$(date +%s%N)
    if ! cmake -S "$src/examples/$name" -B "$build" "${creator[@]}" "${not_installed[@]}" \
        >"$log" 2>&1; then
        cat "$log"
        echo "configuring examples/$name on its own failed"
        exit 1
    fi
    if grep -q "CMake Warning" "$log"; then
        cat "$log"
        echo "configuring examples/$name on its own warned"
        exit 1
    fi
    lines=$(grep -c "$from_source" "$log" || true)
    expected=1
    [ "$name" != demoserver ] || expected=0 # the demo server does not use QtSse
    if [ "$lines" != "$expected" ]; then
        cat "$log"
        echo "expected $expected configure line(s) saying QtSse is built from the source tree, got $lines"
        exit 1
    fi
    grep "$from_source" "$log" || true
    echo "== examples/$name configured on its own"
    [ "$mode" = run ] || exit 0
    cmake --build "$build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
    built=$(date +%s%N)
    echo "== built: $(grep -c '^\[' "$work/build.log") steps"
    (cd "$build" && bash "$src/tests/examples/smoke.sh" --in-process "./$name" --quit-after 3000)
    end=$(date +%s%N)
    # The run always lasts --quit-after; the data is on screen within its first second.
    echo "== configure + build: $(((built - start) / 1000000)) ms; configure to quit: $(((end - start) / 1000000)) ms"
    ;;
outside)
    mkdir -p "$work/elsewhere"
    cp -R "$src/examples/$name" "$work/elsewhere/"
    status=0
    cmake -S "$work/elsewhere/$name" -B "$build" "${creator[@]}" >"$log" 2>&1 || status=$?
    if grep -q "$from_source" "$log"; then
        cat "$log"
        echo "a copy outside the source tree built QtSse from a source tree"
        exit 1
    fi
    if [ "$status" = 0 ]; then
        echo "== outside the tree: this machine has QtSse installed, which the copy used"
        exit 0
    fi
    grep -q 'Could not find a package configuration file provided by "QtSse"' "$log" || {
        cat "$log"
        echo "outside the tree, the configure failed, but not with find_package's message"
        exit 1
    }
    grep -A3 'Could not find a package configuration file provided by "QtSse"' "$log"
    echo "== outside the tree: CMake's find_package error, as expected"
    ;;
*)
    echo "usage: $0 configure|run|outside NAME SOURCE_DIR QT_PREFIX QMAKE CXX [LAUNCHER]" >&2
    exit 2
    ;;
esac

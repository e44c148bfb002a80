#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Uses QtSse from a project outside its tree (tests/packaging/consumer: a C++ and a QML program,
# both run offscreen) the three ways a Qt developer does, shared or static:
#   run.sh installed BUILD_DIR SOURCE_DIR            install BUILD_DIR (shared or static, as it was
#                                                    built) into a prefix, find_package; also every
#                                                    example built on its own against it
#   run.sh installed-static BUILD_DIR SOURCE_DIR     a static build installed into Qt's prefix
#                                                    (DESTDIR), find_package
#   run.sh fetchcontent[-static] BUILD_DIR SOURCE_DIR  FetchContent from a git repository of the
#                                                    source tree; shared, then installed into Qt's
#                                                    prefix (DESTDIR) and imported from Qt's QML dir
#   run.sh subdirectory[-static] BUILD_DIR SOURCE_DIR  add_subdirectory(SOURCE_DIR)
# Any "CMake Warning" while configuring a project fails the test.
set -euo pipefail
mode=$1 build=$2 src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export QT_QPA_PLATFORM=offscreen
unset QML_IMPORT_PATH QML2_IMPORT_PATH
version=$(sed -n 's/^project(QtSse VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
qtpaths=$(command -v qtpaths6 || echo /usr/lib/qt6/bin/qtpaths6)
qt_prefix=$("$qtpaths" --query QT_INSTALL_PREFIX)
qt_qml=$("$qtpaths" --query QT_INSTALL_QML)
static=OFF
case $mode in *-static) static=ON ;; esac

configure() { # BUILD_DIR ARGS...: cmake configure, quiet unless it fails or warns
    local dir=$1
    shift
    if ! cmake -B "$dir" -G Ninja "$@" >"$dir.log" 2>&1 || grep -q "CMake Warning" "$dir.log"; then
        cat "$dir.log"
        echo "configuring $dir failed or warned"
        exit 1
    fi
}
build() { # BUILD_DIR
    cmake --build "$1" --parallel 2 >"$1.build.log" 2>&1 || { cat "$1.build.log"; exit 1; }
}
consumer() { # NAME ARGS...: configure and build the consumer project
    local dir=$work/$1
    shift
    echo "== consumer ($mode): $*"
    configure "$dir" -S "$src/tests/packaging/consumer" -DQTSSE_EXPECTED_VERSION="$version" \
        -DQTSSE_CONSUMER_STATIC=$static "$@"
    build "$dir"
}
run_consumers() { # BUILD_DIR: run both programs (QML_IMPORT_PATH as the caller set it)
    "$1/cppconsumer"
    "$1/qmlconsumer"
    if [ "$static" = ON ] && readelf -d "$1/cppconsumer" "$1/qmlconsumer" | grep -q 'NEEDED.*libQtSse'; then
        echo "a static consumer needs a QtSse shared library"
        exit 1
    fi
}
expect_only_ssecat() { # PREFIX: the programs installed are ssecat or none
    local programs
    programs=$(cd "$1" && { find bin -mindepth 1 2>/dev/null || true; } | sort | tr '\n' ' ')
    if [ -n "$programs" ] && [ "$programs" != "bin/ssecat " ]; then
        echo "installed programs other than ssecat: $programs"
        exit 1
    fi
}
expect_in_qt_qml_dir() { # DESTDIR: the QML module went into Qt's own QML directory
    [ -f "$1$qt_qml/QtSse/qmldir" ] || {
        echo "no qmldir in $1$qt_qml/QtSse; installed:"; (cd "$1" && find . -name qmldir); exit 1; }
    echo "== QML module in Qt's QML directory: $qt_qml/QtSse"
}

case $mode in
installed)
    prefix=$work/prefix
    cmake --install "$build" --prefix "$prefix" >/dev/null
    # BUILD_DIR as it was built: a static build (the static preset) has static consumers.
    if grep -qs '^set(QTSSE_STATIC ON)' "$prefix"/lib*/cmake/QtSse/QtSseConfig.cmake \
        "$prefix"/lib/*/cmake/QtSse/QtSseConfig.cmake; then
        static=ON
    fi
    qmldir=$(find "$prefix" -path '*/QtSse/qmldir' | head -1)
    [ -n "$qmldir" ] || { echo "no QtSse qmldir installed"; exit 1; }
    export QML_IMPORT_PATH=$(dirname "$(dirname "$qmldir")")
    for f in eventsource.h eventmodel.h qtsse_export.h qtsseversion.h EventSource EventModel \
        EventStreamParser MessageEvent QtSse QtSseVersion; do
        [ -e "$prefix/include/QtSse/$f" ] || { echo "missing from the install: include/QtSse/$f"; exit 1; }
    done
    [ -e "$prefix/bin/ssecat" ] || { echo "missing from the install: bin/ssecat"; exit 1; }
    expect_only_ssecat "$prefix"
    echo "== installed: $(find "$prefix" -type f | wc -l) files, QML module in $QML_IMPORT_PATH"
    consumer consumer -DQTSSE_CONSUMER_MODE=package -DCMAKE_PREFIX_PATH="$prefix"
    run_consumers "$work/consumer"
    for example in ssecat widgetsticker dashboard tokenstream demoserver; do
        echo "== $example on its own against the installed package"
        configure "$work/$example" -S "$src/examples/$example" -DCMAKE_PREFIX_PATH="$prefix"
        build "$work/$example"
    done
    ;;
installed-static)
    echo "== QtSse static, installed into Qt's prefix $qt_prefix with DESTDIR"
    configure "$work/qtsse" -S "$src" -DBUILD_SHARED_LIBS=OFF -DCMAKE_INSTALL_PREFIX="$qt_prefix" \
        -DQTSSE_BUILD_TESTS=OFF -DQTSSE_BUILD_EXAMPLES=OFF -DQTSSE_BUILD_BENCHMARKS=OFF
    build "$work/qtsse"
    root=$work/root
    DESTDIR=$root cmake --install "$work/qtsse" >/dev/null
    expect_in_qt_qml_dir "$root"
    if find "$root" -name 'libQtSse*.so*' | grep -q .; then
        echo "a static build installed a shared library"
        exit 1
    fi
    expect_only_ssecat "$root$qt_prefix"
    consumer consumer -DQTSSE_CONSUMER_MODE=package -DCMAKE_PREFIX_PATH="$root$qt_prefix"
    run_consumers "$work/consumer" # no import path: the plugin is linked in
    for example in ssecat dashboard; do
        echo "== $example on its own against the installed static package"
        configure "$work/$example" -S "$src/examples/$example" -DCMAKE_PREFIX_PATH="$root$qt_prefix"
        build "$work/$example"
    done
    ;;
fetchcontent | fetchcontent-static)
    # A git repository of the tree as it is (the chroots' copies have no .git, and uncommitted
    # changes are what is being tested), which FetchContent then clones.
    upstream=$work/upstream
    mkdir -p "$upstream"
    tar -C "$src" --exclude='./build*' --exclude=node_modules --exclude=.git --exclude=.cache \
        -cf - . | tar -C "$upstream" -xf -
    git -C "$upstream" init -q
    git -C "$upstream" add -A
    git -C "$upstream" -c user.name=packaging -c user.email=packaging@localhost \
        commit -q -m "the tree under test"
    commit=$(git -C "$upstream" rev-parse HEAD)
    consumer consumer -DQTSSE_CONSUMER_MODE=fetchcontent -DQTSSE_GIT_REPOSITORY="file://$upstream" \
        -DQTSSE_GIT_TAG="$commit" -DCMAKE_INSTALL_PREFIX="$qt_prefix"
    if [ "$static" = ON ]; then
        run_consumers "$work/consumer"
    else
        QML_IMPORT_PATH=$work/consumer/qml run_consumers "$work/consumer"
        # The project's install installs QtSse too; into Qt's prefix, its QML module goes into
        # Qt's QML directory, and the plugin finds its libraries from there.
        root=$work/root
        DESTDIR=$root cmake --install "$work/consumer" >/dev/null
        expect_in_qt_qml_dir "$root"
        expect_only_ssecat "$root$qt_prefix"
        QML_IMPORT_PATH=$root$qt_qml "$work/consumer/qmlconsumer"
    fi
    ;;
subdirectory | subdirectory-static)
    consumer consumer -DQTSSE_CONSUMER_MODE=subdirectory -DQTSSE_SOURCE_DIR="$src"
    if [ "$static" = ON ]; then
        run_consumers "$work/consumer"
    else
        QML_IMPORT_PATH=$work/consumer/qml run_consumers "$work/consumer"
    fi
    ;;
*)
    echo "usage: $0 installed|installed-static|fetchcontent[-static]|subdirectory[-static] BUILD_DIR SOURCE_DIR" >&2
    exit 2
    ;;
esac
echo "packaging ($mode): passed"

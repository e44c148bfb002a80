#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the built tree into a temporary prefix, then builds and runs a separate consumer
# project (C++ and QML) and builds every example on its own against that prefix.
#   run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
qmldir=$(find "$prefix" -path '*/QtSse/qmldir' | head -1)
[ -n "$qmldir" ] || { echo "no QtSse qmldir installed"; exit 1; }
export QML_IMPORT_PATH=$(dirname "$(dirname "$qmldir")")
for f in include/QtSse/eventsource.h include/QtSse/eventmodel.h include/QtSse/qtsse_export.h bin/ssecat; do
    [ -e "$prefix/$f" ] || { echo "missing from the install: $f"; exit 1; }
done
echo "== installed: $(find "$prefix" -type f | wc -l) files, QML module in $QML_IMPORT_PATH"

build_one() { # NAME SOURCE
    echo "== $1 against the installed package"
    cmake -S "$2" -B "$work/$1" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$work/$1" --parallel 2 >/dev/null
}
build_one consumer "$src/tests/packaging/consumer"
QT_QPA_PLATFORM=offscreen "$work/consumer/consumer"
for example in ssecat widgetsticker dashboard tokenstream demoserver; do
    build_one "$example" "$src/examples/$example"
done
echo "packaging: the consumer and every example built against the installed package"

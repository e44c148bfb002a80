#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# qmlpackages.sh SOURCE_DIR: every QML module the project's QML files need at run time comes from
# a Debian package that scripts/deps.sh installs (QTSSE_BUILD_PACKAGES, or what they depend on,
# which apt installs with them). The modules are those the files import, and what those modules
# import and depend on in turn (their qmldir's "import", "default import" and "depends" lines;
# an "optional import" is left out). A package installed by hand on the machine that runs the
# suite would otherwise hide one the quick start lacks: a fresh machine once failed at qmllint
# because mcpclient's ListModel (QtQml.Models, imported by QtQml, imported by QtQuick) came from
# a package that nothing installed.
set -euo pipefail
src=$1
. "$src/scripts/deps.sh"
qtpaths=$(command -v qtpaths6 || echo /usr/lib/qt6/bin/qtpaths6)
qml_dir=$("$qtpaths" --query QT_INSTALL_QML)

declare -A seen installs
# The project's own modules (URI of each qt_add_qml_module), which no package provides.
for module in $(grep -rhoE --include=CMakeLists.txt 'URI [A-Za-z][A-Za-z0-9.]*' "$src/qml" \
    "$src/examples" "$src/tests" | awk '{print $2}'); do
    seen[$module]=1
done
# What apt installs for that list: the packages and what they depend on, recursively.
for package in $(apt-cache depends --recurse --installed --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances "${QTSSE_BUILD_PACKAGES[@]}" \
    2>/dev/null | grep -v '^ ' | sed 's/:.*//'); do
    installs[$package]=1
done

queue=($(find "$src/qml" "$src/examples" "$src/tests" "$src/docs/snippets" -name '*.qml' \
    -exec grep -hoE '^import [A-Za-z][A-Za-z0-9.]*' {} + | awk '{print $2}' | sort -u))
failed=0
for ((i = 0; i < ${#queue[@]}; ++i)); do
    module=${queue[i]}
    [ -n "${seen[$module]:-}" ] && continue
    seen[$module]=1
    qmldir="$qml_dir/${module//.//}/qmldir"
    if [ ! -f "$qmldir" ]; then
        echo "FAIL: $module is imported but not installed ($qmldir)"
        failed=1
        continue
    fi
    package=$(dpkg-query -S "$qmldir" 2>/dev/null | head -1 | cut -d: -f1)
    if [ -z "$package" ]; then
        echo "FAIL: $module ($qmldir) belongs to no Debian package"
        failed=1
    elif [ -z "${installs[$package]:-}" ]; then
        echo "FAIL: $module comes from $package, which scripts/deps.sh does not install"
        failed=1
    else
        echo "ok: $module ($package)"
    fi
    queue+=($(sed -nE 's/^(default import|import|depends) ([A-Za-z][A-Za-z0-9.]*).*/\2/p' \
        "$qmldir"))
done
exit "$failed"

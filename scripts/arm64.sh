#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# arm64.sh [BUILD_DIR]: the parser on ARM64, cross-built with Debian's aarch64 compiler against
# Debian's own arm64 Qt and run under qemu-user: the library, tst_eventstreamparser (QtTest),
# tst_linescan (the NEON line-end search against the scalar loop) and fuzz_parser_seeds (the
# fuzzer's checks, with the parser's reference model, over the seed corpus and seeded mutations
# of it: tests/fuzz), with fuzz_http_seeds (the HTTP response reader's, about 8 s under
# qemu-user). A step of scripts/suite.sh on Debian 12.
#
# The arm64 Qt is a sysroot of this release's packages (Qt Core, Network and Test, their
# dependencies, the C and C++ development files, Qt's headers and CMake packages), resolved by
# apt with a configuration of its own (nothing of this machine's apt or dpkg changes) and
# unpacked with dpkg -x into /var/cache/qtsse/arm64-sysroot, once; Qt's host tools (moc) are
# this machine's, of the same Qt version. No chroot, no binfmt_misc. Measured from scratch (no
# sysroot, ccache off) on 2 cores at a load of 17 (2026-12-06): 4 min, 1 min 20 s of it CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-arm64}
tree=$PWD

. scripts/deps.sh
qtsse_ensure_packages "${QTSSE_BUILD_PACKAGES[@]}" "${QTSSE_ARM64_PACKAGES[@]}"

cache=${QTSSE_ARM64_CACHE:-/var/cache/qtsse}
sysroot=$cache/arm64-sysroot
codename=$(qtsse_codename)
gcc_major=$(aarch64-linux-gnu-g++ -dumpversion | cut -d. -f1)
# Resolved with their dependencies; then the development packages alone (their dependencies are
# every Qt module and the GL stack, none of which this needs).
runtime=(libqt6core6 libqt6network6 libqt6test6 libc6-dev "libstdc++-$gcc_major-dev")
headers=(qt6-base-dev qmake6) # qmake6 has the mkspecs Qt6::Core's include path names
stamp="$codename ${runtime[*]} ${headers[*]}"

if [ "$(cat "$sysroot/.qtsse-sysroot" 2>/dev/null)" != "$stamp" ]; then
    echo "== arm64 sysroot of Debian $codename's Qt ($sysroot)"
    apt_dir=$cache/arm64-apt
    rm -rf "$apt_dir" "$sysroot"
    mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/empty"
    : >"$apt_dir/state/status"
    archive=${QTSSE_DEBIAN_ARCHIVE:-http://deb.debian.org/debian}
    security=${QTSSE_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
    options="arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg"
    {
        echo "deb [$options] $archive $codename main"
        [ "$codename" = sid ] || echo "deb [$options] $archive $codename-updates main"
        [ "$codename" = sid ] || echo "deb [$options] $security $codename-security main"
    } >"$apt_dir/sources.list"
    cat >"$apt_dir/apt.conf" <<EOF
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
APT::Install-Recommends "false";
APT::Sandbox::User "root";
Dir::Etc::SourceList "$apt_dir/sources.list";
Dir::Etc::SourceParts "$apt_dir/empty";
Dir::Etc::Preferences "$apt_dir/empty/none";
Dir::Etc::PreferencesParts "$apt_dir/empty";
Dir::State "$apt_dir/state";
Dir::State::status "$apt_dir/state/status";
Dir::Cache "$apt_dir/cache";
EOF
    export APT_CONFIG=$apt_dir/apt.conf
    apt-get update -qq
    apt-get install --download-only -y -qq "${runtime[@]}" >/dev/null
    (cd "$apt_dir/cache/archives" && apt-get download -qq "${headers[@]}")
    unset APT_CONFIG
    mkdir -p "$sysroot"
    for deb in "$apt_dir"/cache/archives/*.deb; do
        dpkg -x "$deb" "$sysroot"
    done
    # As a merged-/usr system has it (the linker scripts name /lib/...).
    if [ -d "$sysroot/lib" ] && [ ! -L "$sysroot/lib" ]; then
        cp -a "$sysroot/lib/." "$sysroot/usr/lib/"
        rm -rf "$sysroot/lib"
        ln -s usr/lib "$sysroot/lib"
    fi
    # The CMake packages of the Qt modules whose libraries are not here (Gui, Widgets...).
    for dir in "$sysroot"/usr/lib/aarch64-linux-gnu/cmake/Qt6?*; do
        module=${dir##*/Qt6}
        case $module in *Tools | *Private | BuildInternals | HostInfo) continue ;; esac
        [ -e "$sysroot/usr/lib/aarch64-linux-gnu/libQt6$module.so.6" ] || rm -rf "$dir"
    done
    find "$apt_dir/cache/archives" -name '*.deb' -printf '%f\n' | sort >"$sysroot/.qtsse-packages"
    echo "$stamp" >"$sysroot/.qtsse-sysroot"
fi
export QTSSE_ARM64_SYSROOT=$sysroot
echo "== arm64 Qt $(sed -n 's/^libqt6core6_\([^_]*\)_.*/\1/p' "$sysroot/.qtsse-packages")," \
    "$(aarch64-linux-gnu-g++ --version | head -1), $(qemu-aarch64 --version | head -1)"

toolchain=(-G Ninja -DCMAKE_TOOLCHAIN_FILE="$tree/scripts/toolchains/aarch64-linux-gnu.cmake")
if command -v ccache >/dev/null; then
    toolchain+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

echo "== ARM64: the library, tst_eventstreamparser and tst_linescan ($build/qtsse)"
# The codecs' development files are not in the sysroot (and pkg-config, which would answer with
# this machine's, is not asked when cross-compiling): the build decodes nothing, asks identity.
mkdir -p "$build"
cmake -S . -B "$build/qtsse" "${toolchain[@]}" -DCMAKE_BUILD_TYPE=Debug -DQTSSE_WERROR=ON \
    -DQTSSE_BUILD_EXAMPLES=OFF -DQTSSE_BUILD_BENCHMARKS=OFF >"$build/qtsse-configure.log" 2>&1 \
    || { cat "$build/qtsse-configure.log"; exit 1; } # else only "no Qt Gui, Qml..." warnings
grep -q "QtSse decodes no Content-Encoding" "$build/qtsse-configure.log" \
    || { cat "$build/qtsse-configure.log"; echo "a decoder was found for ARM64" >&2; exit 1; }
cmake --build "$build/qtsse" --target tst_eventstreamparser tst_linescan
# Run as ctest runs them on x86-64 (the emulator comes from the toolchain file), with the
# figures: QtTest's totals, the line-end comparisons made.
ctest --test-dir "$build/qtsse" --output-on-failure --verbose \
    -R '^tst_(eventstreamparser|linescan)$' | grep -vE '^[0-9]+: (PASS|QDEBUG|QINFO) '

echo "== ARM64: the fuzzer's checks over the seed corpus and its mutations ($build/fuzz)"
cmake -S tests/fuzz -B "$build/fuzz" "${toolchain[@]}" >/dev/null
cmake --build "$build/fuzz"
ctest --test-dir "$build/fuzz" --output-on-failure --verbose

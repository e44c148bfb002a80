#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sourced by the other scripts: installs the Debian packages QtSse needs, once, when missing.
# Needs root (or sudo) only when something is missing.

QTSSE_BUILD_PACKAGES=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-declarative-dev qt6-declarative-dev-tools
    qml6-module-qtquick qml6-module-qtqml qml6-module-qtqml-workerscript
    qml6-module-qtqml-models # ListModel (examples/mcpclient): not a dependency of the others
    qml6-module-qtquick-window qml6-module-qtquick-controls qml6-module-qtquick-layouts
    qml6-module-qtquick-templates qml6-module-qttest qt6-qpa-plugins libgl-dev zlib1g-dev
    libbrotli-dev libzstd-dev
    git # the packaging test's FetchContent clones a git repository of the tree
)

# The integration tests (tests/integration) also need these: real servers they start themselves.
QTSSE_INTEGRATION_PACKAGES=(nginx)

# The docs target: qdoc and qhelpgenerator, under this name on Debian 12, 13 and unstable.
QTSSE_DOCS_PACKAGES=(qt6-documentation-tools)

# The format check (scripts/format-check.sh), on Debian 12 only: its clang-format 14 is the one
# version the check is defined for, since other versions format the same style differently.
QTSSE_FORMAT_PACKAGES=(clang-format)
QTSSE_FORMAT_CODENAME=bookworm

# The release whose AddressSanitizer leg (scripts/suite.sh --full) runs every source on QtSse's
# own transport, read in its reading threads (QTSSE_TRANSPORT=own, QTSSE_READING_THREADS=always):
# the other legs read a thread's first streams in it, and this one puts the hand-over between
# threads under the sanitizers on a newer Qt at no extra CI time.
QTSSE_OWN_TRANSPORT_CODENAME=trixie
# The release whose main run of the suite puts every source on QNetworkAccessManager
# (QTSSE_TRANSPORT=qnam), as Debian 12's run without codecs does; the other runs take the default
# (QtSse's own transport where it can carry the request).
QTSSE_QNAM_TRANSPORT_CODENAME=trixie

# The --full steps of scripts/suite.sh fuzz the parser and the HTTP response reader with clang's
# libFuzzer and run valgrind memcheck. The names are those of every Debian release
# (libclang-rt-dev depends on the release's default clang's runtime). The TLS tests use the committed tests/shared/certs.
QTSSE_FUZZ_PACKAGES=(clang libclang-rt-dev)
QTSSE_VALGRIND_PACKAGES=(valgrind)
# valgrind finds what the sanitizer legs cannot (reads of uninitialised memory) in the same code
# on every release: it runs on one, the LTS most Qt developers use.
QTSSE_VALGRIND_CODENAME=trixie

# scripts/arm64.sh (a step of scripts/suite.sh on Debian 12): the parser's tests and fuzz seeds,
# cross-built against Debian's arm64 Qt (a sysroot the script makes) and run under emulation.
QTSSE_ARM64_PACKAGES=(g++-aarch64-linux-gnu qemu-user)

# scripts/mingw-wine.sh (run by hand, not by the suite: building Qt takes about 35 min on 2
# cores): Qt's Core, Network and Test cross-built with MinGW-w64 from Debian's qt6-base source, and QtSse's C++
# tests built against it and run under Wine. Qt's host tools are this machine's.
QTSSE_MINGW_PACKAGES=(g++-mingw-w64-x86-64-posix wine wine64 cmake ninja-build perl xz-utils curl
    qt6-base-dev qt6-base-dev-tools)

# The Qt this machine builds against, and the Debian release it is, for the logs.
qtsse_qt_version() {
    /usr/lib/qt6/bin/qtpaths6 --query QT_VERSION 2>/dev/null || qtpaths6 --query QT_VERSION
}
qtsse_release() {
    (. /etc/os-release && echo "${PRETTY_NAME:-$ID}")
}

# The Debian release's code name (bookworm, trixie, sid...).
qtsse_codename() {
    (. /etc/os-release && echo "${VERSION_CODENAME:-}")
}

qtsse_missing_packages() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || printf '%s\n' "$p"
    done
}

qtsse_ensure_packages() {
    local missing
    missing=$(qtsse_missing_packages "$@")
    [ -z "$missing" ] && return 0
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "need root to install: $missing" >&2; return 1; }
        sudo=sudo
    fi
    echo "== installing: $(echo $missing)"
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

# node and npm for the integration tests' servers: the machine's own when present (any
# install), else Debian's. Then `npm ci` installs their pinned packages from package-lock.json:
# the SSE server (tests/integration/node) and MCP's conformance suite and reference server
# (tests/integration/mcp: its pins need Node 20 or later, as Debian 13 and unstable have).
qtsse_ensure_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        qtsse_ensure_packages nodejs npm
    fi
    local dir
    for dir in tests/integration/node tests/integration/mcp; do
        echo "== npm ci ($dir)"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || return
    done
}

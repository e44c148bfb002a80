#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite on every supported Qt, from a fresh Debian 12 machine: installs what it
# needs and runs scripts/suite.sh once per Debian release, each with its own Qt and compilers:
#
#   bookworm  Debian 12, Qt 6.4.2   this machine itself        --full (ASan+UBSan, fuzz, valgrind)
#   trixie    Debian 13, Qt 6.8.2   a chroot (scripts/chroot.sh) --full
#   sid       Debian unstable       a chroot                    the suite and the fuzz build
#
# QTSSE_TEST_RELEASES chooses (default "bookworm trixie sid"); each name is a Debian suite. A
# release that is the machine's own runs here, any other in a cached chroot made on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
. scripts/chroot.sh

releases=${QTSSE_TEST_RELEASES:-bookworm trixie sid}
full_releases=${QTSSE_FULL_RELEASES:-bookworm trixie}
host=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
summary=()
for release in $releases; do
    mode=--fuzz
    [[ " $full_releases " == *" $release "* ]] && mode=--full
    start=$SECONDS
    echo "######## $release ($mode)"
    if [ "$release" = "$host" ]; then
        scripts/suite.sh "$mode"
    else
        qtsse_chroot_ensure "$release"
        qtsse_chroot_run "$release" scripts/suite.sh "$mode"
    fi
    summary+=("$release: passed in $((SECONDS - start)) s")
done
echo "######## every release passed"
printf '  %s\n' "${summary[@]}"

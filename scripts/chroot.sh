#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sourced by scripts/test.sh: Debian chroots for the Qt versions this machine's release does not
# ship. A chroot is made once with debootstrap from the Debian archive this machine's apt already
# uses, kept in QTSSE_CHROOT_CACHE (default /var/cache/qtsse/chroots) between runs, and made from
# scratch when missing or unfinished. Runs are in a private mount namespace, so nothing stays
# mounted when a run ends, however it ends.
#
#   qtsse_chroot_ensure SUITE          make (or reuse) the chroot for SUITE (trixie, sid, ...)
#   qtsse_chroot_run SUITE CMD...      copy this source tree into it and run CMD there (in /src)
#   qtsse_chroot_exec SUITE 'LINE'     run a shell command line there

QTSSE_CHROOT_CACHE=${QTSSE_CHROOT_CACHE:-/var/cache/qtsse/chroots}

# The archive this machine's apt uses for Debian itself (deb822 or one-line sources).
qtsse_host_mirror() {
    local uri
    uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '{print $2}' | grep -v -- '-security' | grep '/debian/\?$' | head -1)
    if [ -z "$uri" ]; then
        uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | awk '{for (i = 2; i <= NF; ++i) if ($i ~ /^https?:/) {print $i; exit}}' \
            | grep -v -- '-security' | grep '/debian/\?$' | head -1)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

# The machine's own proxy settings for apt, as apt.conf lines (empty when there are none).
qtsse_host_apt_proxy() {
    apt-config dump 2>/dev/null | grep -i '^Acquire::\(http\|https\|ftp\)::Proxy' || true
}

# Writes the files that carry the machine's network settings into the chroot: name resolution,
# the CA bundle (a proxy that re-signs TLS is trusted through it) and apt's proxy. Done on every
# run, so a cached chroot follows the machine.
qtsse_chroot_sync_host_settings() {
    local root=$1 suite=$2
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"
    [ -f /etc/hosts ] && cp -L /etc/hosts "$root/etc/hosts"
    mkdir -p "$root/etc/ssl/host"
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/host/ca-bundle.crt"
    fi
    # Packages never start services in the chroot (nginx would listen on the machine's port 80).
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    local proxy
    proxy=$(qtsse_host_apt_proxy)
    if [ -n "$proxy" ]; then
        printf '%s\n' "$proxy" >"$root/etc/apt/apt.conf.d/90qtsse-host-proxy"
    else
        rm -f "$root/etc/apt/apt.conf.d/90qtsse-host-proxy"
    fi
    # unstable's Release may carry a Valid-Until that has passed on an archive snapshot: accept it
    # there, and only there.
    if [ "$suite" = sid ] || [ "$suite" = unstable ]; then
        echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/90qtsse-valid-until"
    fi
}

qtsse_chroot_ensure() {
    local suite=$1
    local root="$QTSSE_CHROOT_CACHE/$suite"
    if [ -f "$root/.qtsse-ready" ]; then
        qtsse_chroot_sync_host_settings "$root" "$suite"
        # unstable moves: a cached sid chroot older than a week is upgraded, so "the newest Qt"
        # stays the newest.
        if [ "$suite" = sid ] && [ -n "$(find "$root/.qtsse-ready" -mtime +7)" ]; then
            echo "== upgrading the $suite chroot (last made or upgraded over a week ago)"
            qtsse_chroot_exec "$suite" 'apt-get update -qq && apt-get dist-upgrade -y -qq' \
                && touch "$root/.qtsse-ready"
        fi
        return 0
    fi
    command -v debootstrap >/dev/null || qtsse_ensure_packages debootstrap
    local mirror
    mirror=$(qtsse_host_mirror)
    echo "== making the $suite chroot in $root (debootstrap from $mirror)"
    rm -rf "$root"
    mkdir -p "$QTSSE_CHROOT_CACHE"
    # The archive keys of the machine's own keyring check the suite's Release file.
    debootstrap --variant=minbase --include=ca-certificates,dpkg-dev,apt \
        --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        "$suite" "$root" "$mirror" >"$QTSSE_CHROOT_CACHE/$suite.debootstrap.log" 2>&1 || {
        tail -30 "$QTSSE_CHROOT_CACHE/$suite.debootstrap.log" >&2
        echo "debootstrap of $suite failed (log: $QTSSE_CHROOT_CACHE/$suite.debootstrap.log)" >&2
        return 1
    }
    cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
EOF
    # Like a Debian container: no docs or translations, no recommends.
    cat >"$root/etc/apt/apt.conf.d/90qtsse" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
    qtsse_chroot_sync_host_settings "$root" "$suite"
    touch "$root/.qtsse-ready"
}

# Runs CMD inside the chroot of SUITE, as root, with /proc, /sys, /dev and a fresh /tmp, in a
# mount namespace of its own. The source tree (tracked and untracked files, not ignored ones) is
# copied to /src first, so host and chroot builds never share a build tree or node_modules.
qtsse_chroot_run() {
    local suite=$1
    shift
    local root="$QTSSE_CHROOT_CACHE/$suite"
    local src
    src=$(pwd)
    # One run at a time per chroot: a second test.sh on this machine waits for the first.
    local lock
    exec {lock}>"$QTSSE_CHROOT_CACHE/$suite.lock"
    flock "$lock"
    rm -rf "$root/src"
    mkdir -p "$root/src"
    (cd "$src" && git ls-files -z --cached --others --exclude-standard \
        | xargs -0 -r -n 500 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
        | tar --null -T - -cf -) | tar -C "$root/src" -xf -
    local status=0
    qtsse_chroot_exec "$suite" "$(printf '%q ' "$@")" || status=$?
    exec {lock}>&-
    return "$status"
}

# Runs the shell command line CMD in the chroot of SUITE (in /src, which may be empty).
qtsse_chroot_exec() {
    local suite=$1 cmd=$2
    local root="$QTSSE_CHROOT_CACHE/$suite"
    # The environment inside: a clean one, plus the machine's proxy settings where set, the host's
    # CA bundle for Node and npm, and the few QTSSE_ knobs the scripts read.
    local -a envs=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
        LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive
        NODE_EXTRA_CA_CERTS=/etc/ssl/host/ca-bundle.crt npm_config_cafile=/etc/ssl/host/ca-bundle.crt)
    local v
    for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY CI \
        QTSSE_FUZZ_SECONDS; do
        [ -n "${!v:-}" ] && envs+=("$v=${!v}")
    done
    unshare --mount --propagation private -- /bin/bash -euc '
        root=$1 cmd=$2; shift 2
        mkdir -p "$root/src"
        mount -t proc proc "$root/proc"
        mount --rbind /sys "$root/sys"
        mount --rbind /dev "$root/dev"
        mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
        mkdir -p "$root/dev/shm" && mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
        exec chroot "$root" /usr/bin/env -i "$@" /bin/bash -euc "cd /src && $cmd"
    ' qtsse-chroot "$root" "$cmd" "${envs[@]}"
}

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Remakes the test certificates of this directory (see README.md). The tests only read the
# files; run this by hand, and commit what it writes, when they need to change.
set -euo pipefail
cd "$(dirname "$0")"
# Valid from 2020 to 2120, so a machine whose clock is behind still accepts them
# (-not_before/-not_after need OpenSSL 3.4 or later: Debian 13 and newer).
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes
    -not_before 20200101000000Z -not_after 21200101000000Z)

# The certificate authority the tests trust.
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -subj "/CN=QtSse test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# Leaf certificates it signed: name, common name, subjectAltName.
leaf() {
    openssl req -x509 "${ec[@]}" -keyout "$1.key" -out "$1.pem" -subj "/CN=$2" \
        -CA ca.pem -CAkey ca.key -addext "subjectAltName=$3" \
        -addext "basicConstraints=critical,CA:FALSE" -addext "extendedKeyUsage=serverAuth"
}
leaf server 127.0.0.1 "IP:127.0.0.1,DNS:localhost"
leaf wronghost wrong.example.invalid "DNS:wrong.example.invalid"
chmod 644 ./*.key ./*.pem

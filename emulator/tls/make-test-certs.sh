#!/usr/bin/env bash
# Makes throwaway TLS material for the emulator's HTTPS mode (--tls-cert/--tls-key) and the
# tests that use it, with the openssl CLI (installed through apt-get when missing and run as
# root). Nothing here is secret or kept: every file is regenerated when missing or when the
# server certificate expires within a day.
#
#   emulator/tls/make-test-certs.sh OUTDIR
#
# OUTDIR receives (PEM, EC P-256 keys, valid 30 days):
#   ca.pem, ca.key                  a test CA
#   server.pem, server.key          signed by that CA, for IP 127.0.0.1 and DNS localhost
#   selfsigned.pem, selfsigned.key  the same names, self-signed (no CA vouches for it)
#   other-ca.pem                    an unrelated CA (trusting it must not help)
set -euo pipefail

out=${1:?usage: make-test-certs.sh OUTDIR}

if ! command -v openssl >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "make-test-certs: installing openssl with apt-get" >&2
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
    fi
    command -v openssl >/dev/null 2>&1 || { echo "make-test-certs: the openssl CLI is needed" >&2; exit 1; }
fi

fresh=1
for f in ca.pem server.pem server.key selfsigned.pem selfsigned.key other-ca.pem; do
    [ -s "$out/$f" ] || fresh=0
done
if [ $fresh = 1 ] && openssl x509 -checkend 86400 -noout -in "$out/server.pem" >/dev/null 2>&1; then
    exit 0
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() { # ca NAME CN
    key "$1.key"
    openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 30 \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem" 2>/dev/null
}
cat >server.cnf <<'EXT'
[req]
distinguished_name = dn
[dn]
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
EXT

ca ca "libmindra test CA"
ca other-ca "libmindra unrelated test CA"
key server.key
openssl req -new -key server.key -subj "/CN=127.0.0.1" -out server.csr 2>/dev/null
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -extfile server.cnf -extensions server -out server.pem 2>/dev/null
# The same end-entity extensions (CA:FALSE), signed by its own key.
key selfsigned.key
openssl req -x509 -new -key selfsigned.key -subj "/CN=127.0.0.1" -days 30 \
    -config server.cnf -extensions server -out selfsigned.pem 2>/dev/null

for f in ca.pem ca.key server.pem server.key selfsigned.pem selfsigned.key other-ca.pem; do
    mv -f "$f" "$out/$f"
done

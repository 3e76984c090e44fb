#!/usr/bin/env bash
# Installs what `make bench` needs and is missing (Debian packages), so a fresh machine runs the
# benchmarks with no manual step. Run by `make bench-setup` (and so by `make bench`).
#
#   libcurl4-openssl-dev  libcurl + headers: the C peer of every HTTP measurement
#   libcjson-dev          cJSON: the peer's JSON decoding
#   nginx-light           the local server (falls back to nginx where -light is not packaged)
#   curl                  the command-line peer of the one-call-per-process measurement
#   util-linux            taskset (pinning server and client to different cores)
#   binutils              strip and size (the stripped-size figures)
#
# apt-get update runs once, and only when something is missing. nginx's package would start
# a system nginx on port 80 when installed; a temporary policy-rc.d stops that (the bench runs
# its own nginx, with its own prefix under build/bench/nginx).
set -euo pipefail

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

missing=()
have_pkg libcurl4-openssl-dev || missing+=(libcurl4-openssl-dev)
have_pkg libcjson-dev || missing+=(libcjson-dev)
if ! command -v nginx >/dev/null 2>&1 && ! test -x /usr/sbin/nginx; then
    missing+=(nginx)   # resolved to nginx-light below when the archive has it
fi
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
command -v strip >/dev/null 2>&1 || missing+=(binutils)
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)

if ((${#missing[@]})); then
    if [ "$(id -u)" != 0 ]; then
        echo "bench-setup: missing ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
    echo "bench-setup: installing what is missing: ${missing[*]}"
    apt-get update -qq
    packages=()
    for p in "${missing[@]}"; do
        if [ "$p" = nginx ] && apt-cache show nginx-light >/dev/null 2>&1; then
            packages+=(nginx-light)
        else
            packages+=("$p")
        fi
    done
    created_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        created_policy=1
    fi
    status=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" || status=$?
    if [ -n "$created_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
    exit $status
fi
echo "bench-setup: nothing to install ($(curl-config --version 2>/dev/null), cJSON $(pkg-config --modversion libcjson 2>/dev/null), $(/usr/sbin/nginx -v 2>&1 | sed 's/^nginx version: //'))"

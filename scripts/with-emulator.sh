#!/usr/bin/env bash
# Runs a command with a fresh Mindra emulator: starts EMULATOR --port 0 --quiet
# [EMULATOR_OPTIONS...] on a free port, exports MINDRA_BASE_URL and MINDRA_API_KEY (the value of
# --api-key when given, else the emulator's test key) for the command, and stops the emulator
# when the command ends, whether it succeeded or not. Exits with the command's status.
#
#   scripts/with-emulator.sh EMULATOR COMMAND [ARGS...]
#   scripts/with-emulator.sh EMULATOR [EMULATOR_OPTIONS...] -- COMMAND [ARGS...]
set -euo pipefail

emulator=$1
shift
options=()
key=mk_0123456789abcdef0123456789abcdef
for arg in "$@"; do
    if [ "$arg" = "--" ]; then
        while [ "$1" != "--" ]; do
            options+=("$1")
            if [ "$1" = "--api-key" ] && [ $# -gt 1 ]; then key=$2; fi
            shift
        done
        shift # the --
        break
    fi
done
[ $# -gt 0 ] || { echo "usage: with-emulator.sh EMULATOR [OPTIONS... --] COMMAND [ARGS...]" >&2; exit 2; }

log=$(mktemp)
fifo=$(mktemp -u)
mkfifo "$fifo"
"$emulator" --port 0 --quiet "${options[@]}" >"$fifo" 2>"$log" &
emulator_pid=$!
cleanup() {
    kill -TERM "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
    rm -f "$fifo" "$log"
}
trap cleanup EXIT
exec 3<"$fifo"
if ! IFS= read -r -t 30 base_url <&3; then
    echo "with-emulator: the emulator did not print its base URL; its log:" >&2
    cat "$log" >&2
    exit 1
fi
# Keep draining its stdout so it never blocks on a full pipe.
cat <&3 >/dev/null &
export MINDRA_BASE_URL=$base_url
export MINDRA_API_KEY=$key
set +e
"$@"
status=$?
set -e
exit $status

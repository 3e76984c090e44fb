#!/usr/bin/env bash
# Like scripts/with-emulator.sh, but passes options to the emulator: starts
# EMULATOR --port 0 --quiet [EMULATOR_OPTIONS...], exports MINDRA_BASE_URL and MINDRA_API_KEY
# (the value of --api-key when given, else the test key) for COMMAND, and stops the emulator
# when COMMAND ends. Exits with COMMAND's status.
#
#   emulator/run-with.sh EMULATOR [EMULATOR_OPTIONS...] -- COMMAND [ARGS...]
set -euo pipefail

emulator=$1
shift
options=()
key=mk_0123456789abcdef0123456789abcdef
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    options+=("$1")
    if [ "$1" = "--api-key" ] && [ $# -gt 1 ]; then key=$2; fi
    shift
done
[ $# -gt 1 ] || { echo "usage: run-with.sh EMULATOR [OPTIONS...] -- COMMAND [ARGS...]" >&2; exit 2; }
shift # the --

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
    echo "run-with: the emulator did not print its base URL; its log:" >&2
    cat "$log" >&2
    exit 1
fi
cat <&3 >/dev/null &
export MINDRA_BASE_URL=$base_url
export MINDRA_API_KEY=$key
set +e
"$@"
status=$?
set -e
exit $status

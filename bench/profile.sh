#!/usr/bin/env bash
# bench/profile.sh CMD [ARGS...]: runs CMD on the client core with the benchmark's nginx up
# (pinned and configured exactly as in `make bench`) and BENCH_BASE_URL, BENCH_API_KEY,
# BENCH_SERVER_PID exported; BENCH_RUNS defaults to 1. Run `make bench` (or bench-build and
# one bench/run.sh) first so the binaries and the event-stream files exist. Examples:
#
#   bench/profile.sh perf record -e cpu-clock -g -o build/bench/perf.data \
#       build/bench/bin/bench threads 20000 8
#   bench/profile.sh strace -c -f build/bench/bin/bench runs 2000
#   BENCH_RUNS=1 bench/profile.sh valgrind --tool=callgrind build/bench/bin/bench runs 2000
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build/bench
DATA=$OUT/data
NGX=$OUT/nginx
mkdir -p "$OUT" "$DATA" "$NGX/logs" "$NGX/tmp"
source "$ROOT/bench/lib.sh"
start_bench_server >&2
export BENCH_RUNS=${BENCH_RUNS:-1}
"${CLIENT_PIN[@]}" "$@"

#!/usr/bin/env bash
# The benchmark run behind `make bench` (which builds everything first: see mk/bench.mk).
#
# Starts nginx (its own prefix under build/bench/nginx, non-daemon, one worker) on the first
# allowed core and runs every client on the second, so the server is not competing with the
# client for a core; measures each libmindra figure beside its peer in the same run; prints a
# line per figure and a summary table, and writes build/bench/results.jsonl (one JSON line per
# measurement). See bench/README.md.
#
# Knobs (environment): BENCH_RUNS (5), BENCH_CALLS (20000), BENCH_THREADS (8),
# BENCH_SPAWNS (1000), BENCH_EVENTS (1000000), BENCH_LATENCY_EVENTS (10000),
# BENCH_LATENCY_GAP_US (1000), BENCH_STREAMS (100), BENCH_ONLY (space-separated subset of:
# runs threads spawn sse latency memory rust go size).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build/bench
BIN=$OUT/bin
DATA=$OUT/data
NGX=$OUT/nginx

RUNS=${BENCH_RUNS:-5}
CALLS=${BENCH_CALLS:-20000}
THREADS=${BENCH_THREADS:-8}
SPAWNS=${BENCH_SPAWNS:-1000}
EVENTS=${BENCH_EVENTS:-1000000}
LAT_EVENTS=${BENCH_LATENCY_EVENTS:-10000}
LAT_GAP_US=${BENCH_LATENCY_GAP_US:-1000}
STREAMS=${BENCH_STREAMS:-100}
ONLY=${BENCH_ONLY:-runs threads spawn sse latency memory rust go size}
CHUNK=64
BIG_CHUNK=4096
# ~100 MiB of 4 KiB events: each is 13 + 18 + 4096 + 4 = 4131 bytes on the wire.
BIG_EVENTS=25400
BIG_CHECKPOINT=$(( 10 * 1024 * 1024 / 4131 + 1 ))   # events read once 10 MiB has been streamed

want() { [[ " $ONLY " == *" $1 "* ]]; }
# A measurement that fails (a wrong answer, a crash) is reported and the others still run;
# the run then exits non-zero.
FAILED=()
step() { # NAME CMD...
    local name=$1
    shift
    if ! "$@"; then
        echo "bench: $name FAILED" >&2
        FAILED+=("$name")
    fi
}
say() { printf '\n== %s\n' "$*"; }

mkdir -p "$OUT" "$DATA" "$NGX/logs" "$NGX/tmp"
export BENCH_RESULTS=$OUT/results.jsonl
: >"$BENCH_RESULTS"
START=$(date +%s)

source "$ROOT/bench/lib.sh"

# ---- input files, generated once (a stamp records the parameters) ------------------------
gen() { # FILE EVENTS SIZE NAME
    local file=$DATA/$1 stamp="$2 $3 $4 v1"
    if [[ ! -s $file || "$(cat "$file.stamp" 2>/dev/null)" != "$stamp" ]]; then
        echo "bench: generating $1 ($2 events of $3 bytes)"
        "$BIN/bench" gen "$file.tmp" "$2" "$3" "$4"
        mv "$file.tmp" "$file"
        echo "$stamp" >"$file.stamp"
    fi
}
gen chunks.sse "$EVENTS" "$CHUNK" chunk
gen raw.sse "$EVENTS" "$CHUNK" token
gen big.sse "$BIG_EVENTS" "$BIG_CHUNK" chunk
size_of() { stat -c %s "$DATA/$1"; }

# ---- the C peer parser must be correct before it is a yardstick --------------------------
"$BIN/test_sse_parser"

start_bench_server
export BENCH_RUNS=$RUNS
B=("${CLIENT_PIN[@]}" "$BIN/bench")

# ---- measurements ------------------------------------------------------------------------
if want runs; then
    say "sequential runs on one kept-alive connection ($CALLS calls per run, $RUNS runs)"
    step runs "${B[@]}" runs "$CALLS"
fi
if want threads; then
    say "$THREADS threads sharing one client ($CALLS calls per run)"
    step threads "${B[@]}" threads "$CALLS" "$THREADS"
fi
if want spawn; then
    say "one call from a fresh process ($SPAWNS processes per run)"
    step spawn "${B[@]}" spawn "$SPAWNS" "$ROOT/build/examples/run_workflow" "$(command -v curl)"
fi
if want sse; then
    say "SSE: $EVENTS chunk events ($(( $(size_of chunks.sse) / 1000000 )) MB), every field, JSON decoded"
    step sse-fields "${B[@]}" sse fields /sse/chunks.sse "$(size_of chunks.sse)" "$EVENTS" "$CHUNK"
    say "SSE framing only: $EVENTS events of an undocumented type (no JSON on either side)"
    step sse-raw "${B[@]}" sse raw /sse/raw.sse "$(size_of raw.sse)" "$EVENTS" "$CHUNK"
fi
if want latency; then
    say "first-event latency ($LAT_EVENTS events, one in flight, ${LAT_GAP_US} us apart)"
    "${SERVER_PIN[@]}" "$BIN/latency_server" "$LAT_EVENTS" "$LAT_GAP_US" >"$OUT/latency.port" &
    LAT_PID=$!
    for _ in $(seq 50); do [[ -s $OUT/latency.port ]] && break; sleep 0.1; done
    step latency "${B[@]}" latency "http://127.0.0.1:$(head -n1 "$OUT/latency.port")" "$LAT_EVENTS" \
        "$LAT_GAP_US" "$LAT_PID"
    kill "$LAT_PID"; wait "$LAT_PID" 2>/dev/null || true; LAT_PID=
fi
if want memory; then
    say "memory: $STREAMS streams open at once, each has read its first event"
    step mem-streams "${B[@]}" mem-streams /sse/chunks.sse "$STREAMS"
    say "memory: one stream of $(( $(size_of big.sse) / 1048576 )) MiB in 4 KiB events (VmHWM after 10 MiB vs at the end)"
    step mem-big "${B[@]}" mem-big /sse/big.sse "$BIG_CHECKPOINT" "$BIG_EVENTS"
fi
if want rust; then
    say "the SSE parser alone: Rust (benches/sse_parser.rs) vs the C parser, $EVENTS events in memory, 64 KiB pieces"
    # The bench target's executable, as cargo built it (make bench-build ran --no-run).
    RUST_BENCH=$(cargo bench --bench sse_parser --no-run --message-format=json 2>/dev/null |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n1)
    if [[ -n $RUST_BENCH && -x $RUST_BENCH ]]; then
        step parse-mem env BENCH_EVENTS="$EVENTS" "${CLIENT_PIN[@]}" "$BIN/bench" parse-mem \
            "$DATA/chunks.sse" "$RUST_BENCH"
    else
        echo "bench: cargo bench --bench sse_parser --no-run gave no executable" >&2
        FAILED+=(rust)
    fi
fi
if want go; then
    say "Go: the binding vs net/http + encoding/json"
    if [[ -x $BIN/go_bench ]]; then
        step go "${CLIENT_PIN[@]}" "$BIN/go_bench" -calls "$CALLS" -goroutines "$THREADS" -runs "$RUNS" \
            -sse /sse/chunks.sse -events "$EVENTS" -chunk "$CHUNK" -bytes "$(size_of chunks.sse)"
    else
        echo "bench: Go benchmark not built ($(cat "$BIN/go_bench.skipped" 2>/dev/null || echo 'see make bench-build'))"
    fi
fi
if want size; then
    say "stripped sizes (copies; target/ is untouched)"
    strip_size() { # NAME FILE
        cp "$2" "$OUT/$1.stripped"
        strip "$OUT/$1.stripped"
        stat -c %s "$OUT/$1.stripped"
    }
    so=$(strip_size libmindra.so "$ROOT/target/release/libmindra.so")
    static=$(strip_size run_workflow_static "$BIN/run_workflow_static")
    static_gc=$(strip_size run_workflow_static_gc "$BIN/run_workflow_static_gc")
    dyn=$(strip_size run_workflow_dynamic "$ROOT/build/examples/run_workflow")
    curl_so=$(readlink -f "$(ldconfig -p | awk '/libcurl\.so\.4 .*x86-64/ {print $NF; exit}')")
    curl_size=$(stat -c %s "$curl_so")
    # libcurl's own shared-library closure (what a libcurl program loads besides libc).
    closure=0
    while read -r lib; do
        closure=$(( closure + $(stat -c %s "$(readlink -f "$lib")") ))
    done < <(ldd "$curl_so" | awk '/=> \// {print $3}' | grep -vE '/(libc|libm|libpthread|libdl|librt)\.so')
    closure=$(( closure + curl_size ))
    mib() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'; }
    printf '%-30s %s MiB (stripped)\n' "libmindra.so" "$(mib "$so")"
    printf '%-30s %s MiB (stripped; libmindra.a linked in, libc dynamic)\n' "run_workflow, static" "$(mib "$static")"
    printf '%-30s %s MiB (stripped; the same linked with -Wl,--gc-sections)\n' "run_workflow, static, gc" "$(mib "$static_gc")"
    printf '%-30s %s MiB (stripped; needs libmindra.so)\n' "run_workflow, dynamic" "$(mib "$dyn")"
    printf '%-30s %s MiB, with its dependency closure %s MiB (Debian, stripped)\n' \
        "peer: $(basename "$curl_so")" "$(mib "$curl_size")" "$(mib "$closure")"
    printf '{"name":"size_libmindra_so","unit":"bytes","better":"lower","peer_label":"libcurl.so.4 + its shared deps","mindra":%s,"peer":%s,"ratio":%s,"runs":1,"server_cpu_mindra":null,"server_cpu_peer":null,"target":null,"pass":null,"libcurl_alone":%s}\n' \
        "$so" "$closure" "$(awk -v a="$so" -v b="$closure" 'BEGIN { printf "%.4g", a / b }')" "$curl_size" >>"$BENCH_RESULTS"
    printf '{"name":"size_static_example","unit":"bytes","better":"lower","peer_label":"","mindra":%s,"peer":null,"ratio":null,"runs":1,"server_cpu_mindra":null,"server_cpu_peer":null,"target":null,"pass":null,"gc_sections_example":%s,"dynamic_example":%s}\n' \
        "$static" "$static_gc" "$dyn" >>"$BENCH_RESULTS"
fi

say "summary (medians of $RUNS runs; ratio = libmindra / peer, measured in the same run)"
"$BIN/bench" report "$BENCH_RESULTS"
echo "results: $BENCH_RESULTS ($(wc -l <"$BENCH_RESULTS") lines); total $(( $(date +%s) - START )) s"
if ((${#FAILED[@]})); then
    echo "bench: failed: ${FAILED[*]}" >&2
    exit 1
fi

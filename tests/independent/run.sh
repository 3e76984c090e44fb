#!/usr/bin/env bash
# The C examples (built only against include/mindra.h) against an independent Mindra-compatible
# server: tests/independent/server.py, on Starlette + sse-starlette + uvicorn from PyPI.
# Called by `make test-independent` after `make examples`. See README.md beside this file.
#
# Environment: PYTHON (default python3.11, else python3) creates the venv;
# INDEPENDENT_VENV (default build/independent-venv); VALGRIND=0 skips the valgrind check.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/tests/independent"
EXAMPLES="$ROOT/build/examples"
VENV=${INDEPENDENT_VENV:-$ROOT/build/independent-venv}
KEY=mk_ffffffffffffffffffffffff00000000
TASK='Send the weekly report — Q3 ✓'
APPROVED="final answer: Report sent to ops@example.org: $TASK"
REJECTED="final answer: Report not sent (rejected: declined from stream_events)"

passed=0
failed=0
SERVER_PID=
WORK=$(mktemp -d)

cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "independent: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

for exe in run_workflow stream_events; do
    [ -x "$EXAMPLES/$exe" ] || die "$EXAMPLES/$exe is missing: run 'make examples' first"
done

# --- the venv: created once, reinstalled when requirements.txt changes ---------------------
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$HERE/requirements.txt" "$VENV/requirements.txt"; then
    PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
    [ -n "$PY" ] || die "no python3 found"
    echo "== creating $VENV with $("$PY" --version 2>&1)"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV" || die "python -m venv failed"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$HERE/requirements.txt" || die "pip install -r requirements.txt failed"
    cp "$HERE/requirements.txt" "$VENV/requirements.txt"
fi

# --- the server ----------------------------------------------------------------------------
"$VENV/bin/python" "$HERE/server.py" --ping 1 >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!
URL=
for _ in $(seq 150); do
    URL=$(head -n1 "$WORK/server.out" 2>/dev/null)
    [ -n "$URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$URL" ]; then
    cat "$WORK/server.log" >&2
    die "server.py did not print its URL"
fi
echo "== independent server (sse-starlette) at $URL"

export MINDRA_BASE_URL="$URL" MINDRA_API_KEY="$KEY"
unset MINDRA_ALLOW_INSECURE_HTTP

# --- helpers -------------------------------------------------------------------------------
# run NAME TIMEOUT CMD...: runs CMD, leaving $WORK/NAME.out, $WORK/NAME.err and RC.
run() {
    local name=$1 limit=$2
    shift 2
    # --foreground: CMD stays in our process group, so Ctrl-C reaches it (and then us).
    timeout --foreground "$limit" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
    RC=$?
    case $RC in 130 | 143) echo "interrupted"; exit "$RC" ;; esac
}

# check NAME DESCRIPTION CMD...: one test, passed when CMD exits 0; on failure shows NAME's output.
check() {
    local name=$1 what=$2
    shift 2
    if "$@"; then
        passed=$((passed + 1))
        echo "ok   $name: $what"
    else
        failed=$((failed + 1))
        echo "FAIL $name: $what (exit $RC)"
        sed 's/^/     stdout| /' "$WORK/$name.out"
        sed 's/^/     stderr| /' "$WORK/$name.err"
    fi
}

# --- 1. run_workflow -----------------------------------------------------------------------
run run_ok 30 "$EXAMPLES/run_workflow" approval-demo "$TASK"
check run_ok "run_workflow approval-demo exits 0 with every documented field" sh -c '
    [ "$0" = 0 ] &&
    grep -Eq "^execution_id: +exec-[0-9a-f]{16}$" "$1" &&
    grep -Eq "^status: +running$" "$1" &&
    grep -Eq "^workflow_slug: +approval-demo$" "$1" &&
    grep -Eq "^workflow_name: +Approval demo \(independent server\)$" "$1" &&
    grep -Eq "^stream_url: +/api/v1/workflows/execute/exec-[0-9a-f]{16}/stream$" "$1" &&
    grep -Eq "^created_at: +[0-9]{4}-[0-9]{2}-[0-9]{2}T" "$1" &&
    grep -Eq "^conversation_id: +\(null\)$" "$1"' "$RC" "$WORK/run_ok.out"
check run_ok "the request id comes from the request-id header (no x- prefix)" \
    grep -Eq "^request_id: +rq-[0-9]+$" "$WORK/run_ok.out"

run run_404 30 "$EXAMPLES/run_workflow" no-such-workflow "$TASK"
check run_404 "unknown slug exits 1 with not_found, HTTP 404 and WORKFLOW_NOT_FOUND" sh -c '
    [ "$0" = 1 ] && grep -q not_found "$1" && grep -q WORKFLOW_NOT_FOUND "$1" &&
    grep -Eq "http_status: +404" "$1" && grep -Eq "request_id: +rq-[0-9]+" "$1"' \
    "$RC" "$WORK/run_404.err"

MINDRA_API_KEY=mk_wrong run run_401 30 "$EXAMPLES/run_workflow" approval-demo "$TASK"
check run_401 "a wrong key exits 1 with unauthorized, HTTP 401 and UNAUTHORIZED" sh -c '
    [ "$0" = 1 ] && grep -q unauthorized "$1" && grep -q UNAUTHORIZED "$1" &&
    grep -Eq "http_status: +401" "$1" && ! grep -q mk_wrong "$1"' "$RC" "$WORK/run_401.err"

# --- 2./3. stream_events, approved and rejected --------------------------------------------
run approve 60 "$EXAMPLES/stream_events" approval-demo "$TASK" --approve
check approve "stream_events --approve exits 0 with the approved final answer" sh -c '
    [ "$0" = 0 ] && grep -qF -- "$2" "$1"' "$RC" "$WORK/approve.out" "$APPROVED"
check approve "chunks (UTF-8 intact), multi-line approval_request, tool events in order" sh -c '
    grep -qF "Preparing the report. Drafted — résumé attached ✓." "$0" &&
    grep -Eq "^\[approval\] apr-[0-9a-f]{12} approved$" "$0" &&
    grep -qF "[tool] send_report {\"to\": \"ops@example.org\", \"subject\": \"$1\"}" "$0" &&
    grep -qF "[tool result] send_report: delivered to ops@example.org" "$0" &&
    grep -qF "[done] completed" "$0" && [ ! -s "$2" ]' \
    "$WORK/approve.out" "$TASK" "$WORK/approve.err"

run reject 60 "$EXAMPLES/stream_events" approval-demo "$TASK" --reject
check reject "stream_events --reject exits 0 with the rejected final answer (reason sent)" sh -c '
    [ "$0" = 0 ] && grep -qF -- "$2" "$1" && ! grep -qF "Report sent" "$1"' \
    "$RC" "$WORK/reject.out" "$REJECTED"
check reject "rejection: no tool_executing, an object tool_result kept as JSON text" sh -c '
    grep -Eq "^\[approval\] apr-[0-9a-f]{12} rejected$" "$0" && ! grep -qF "[tool] " "$0" &&
    grep -qF "[tool result] send_report: {\"skipped\": true, \"reason\": \"declined from stream_events\"}" "$0" &&
    [ ! -s "$1" ]' "$WORK/reject.out" "$WORK/reject.err"

# --- 4. the same under valgrind --------------------------------------------------------------
if [ "${VALGRIND:-1}" != 0 ] && command -v valgrind >/dev/null; then
    run valgrind 180 valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --error-exitcode=1 \
        "$EXAMPLES/stream_events" approval-demo "$TASK" --approve
    check valgrind "stream_events --approve under valgrind: no errors, no leaks, approved answer" \
        sh -c '[ "$0" = 0 ] && grep -qF -- "$2" "$1"' "$RC" "$WORK/valgrind.out" "$APPROVED"
else
    echo "skip valgrind: stream_events --approve under valgrind (VALGRIND=0 or no valgrind)"
fi

if [ "$failed" -ne 0 ]; then
    echo "--- server log"
    cat "$WORK/server.log"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

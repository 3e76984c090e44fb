#!/usr/bin/env bash
# The API key never leaves libmindra in anything it says. Starts an emulator that accepts
# only a distinctive key, then:
#  - tests/secrets/capture.c prints every string the C API returns across every emulator
#    scenario (fault scenarios included, on the run and on the stream), approvals, the
#    echo-key scenario (a server repeating the key in its error message, code and request
#    id), a wrong key and configuration errors built around the key;
#  - tests/secrets/debug_check.rs (compiled with rustc against the release libmindra.rlib)
#    prints the Debug and Display output of the Rust types;
# and fails if the key (or the rejected key, or a 12-character piece of either) appears in
# their stdout or stderr, or if echo-key's answer was not seen redacted.
#
#   tests/secrets/run.sh EMULATOR LIB_DIR BUILD_DIR      (make test-secrets)
set -euo pipefail

emulator=$1
lib=$2
out=$3/secrets
cc=${CC:-cc}
rustc=${RUSTC:-rustc}
key=mk_S3cr3tSentinelK3y_9f8e7d6c5b4a39281706
wrong=mk_Wr0ngSentinelK3y_0a1b2c3d4e5f60718293
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$out"

"$cc" -std=c99 -Wall -Wextra -Werror -Wno-unused-function -pedantic -g -I"$root/include" -I"$root/tests/c" \
    "$here/capture.c" -o "$out/capture" -L"$lib" -lmindra -Wl,-rpath,"$lib" -lpthread
"$rustc" --edition 2021 --crate-type bin -C debuginfo=0 "$here/debug_check.rs" -o "$out/debug_check" \
    --extern mindra="$lib/libmindra.rlib" -L dependency="$lib/deps" 2>"$out/rustc.log" || {
    cat "$out/rustc.log" >&2
    exit 1
}

"$root/scripts/with-emulator.sh" "$emulator" --api-key "$key" -- env MINDRA_WRONG_KEY="$wrong" bash -c '
    out=$1
    set +e
    "$out/capture" >"$out/capture.out" 2>"$out/capture.err"; echo $? >"$out/capture.rc"
    "$out/debug_check" >"$out/debug.out" 2>"$out/debug.err"; echo $? >"$out/debug.rc"
' secrets "$out"

passed=0
failed=0
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL secrets: $what" >&2
    fi
}
absent() { # absent NEEDLE FILE...
    ! grep -F -q -- "$1" "${@:2}"
}

files=("$out/capture.out" "$out/capture.err" "$out/debug.out" "$out/debug.err")
check "capture ran its checks (exit $(cat "$out/capture.rc"))" test "$(cat "$out/capture.rc")" = 0
check "debug_check passed (exit $(cat "$out/debug.rc"); see $out/debug.out)" test "$(cat "$out/debug.rc")" = 0
scenarios=$(sed -n 's/^scenarios=//p' "$out/capture.out")
check "capture covered the emulator's scenarios ($scenarios)" test "${scenarios:-0}" -ge 30
check "the key was accepted (hello ran)" grep -q '^hello\[run\]\.error=ok ' "$out/capture.out"
check "echo-key's message was redacted" grep -q '^echo-key\[run\]\.error_message=.*\[redacted\]' "$out/capture.out"
check "echo-key's code was redacted" grep -q '^echo-key\[run\]\.error_code=.*\[redacted\]' "$out/capture.out"
check "echo-key's request id was redacted" grep -q '^echo-key\[run\]\.request_id=.*\[redacted\]' "$out/capture.out"
check "echo-key on the stream was redacted" grep -q '^echo-key\[stream\]\.stream\.open\.message=.*\[redacted\]' "$out/capture.out"
check "echo-key on approve was redacted" grep -q '^echo-key\[stream\]\.bogus_approval\.message=.*\[redacted\]' "$out/capture.out"
for needle in "$key" "$wrong" "${key:3:12}" "${key:15:12}" "${wrong:3:12}" "${wrong:15:12}"; do
    for f in "${files[@]}"; do
        check "'$needle' must not appear in $(basename "$f")" absent "$needle" "$f"
    done
done
if [ $failed -gt 0 ]; then
    for f in "${files[@]}"; do
        grep -n -F -e "$key" -e "$wrong" -e "${key:3:12}" -e "${wrong:3:12}" "$f" | head -n 20 | sed "s|^|$(basename "$f"):|" >&2 || true
    done
fi
echo "secrets: $(tail -n 1 "$out/capture.out") over $scenarios scenarios; $(tail -n 1 "$out/debug.out") in debug_check"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

#!/usr/bin/env bash
# Runs fuzz targets for a bounded time each (used by mk/fuzz.mk: `make fuzz`, `make test-fuzz`).
#
#   fuzz/run.sh SECONDS TARGET...
#
# Environment (set by mk/fuzz.mk): FUZZ_BUILD_FLAGS (cargo fuzz build options),
# FUZZ_LIBFUZZER_FLAGS (extra libFuzzer flags), FUZZ_TARGET_DIR.
#
# Each target starts from its committed seeds (fuzz/corpus/TARGET, read only) plus what
# earlier runs on this machine found (FUZZ_TARGET_DIR/corpus/TARGET, where new inputs are
# written, so the committed seeds never change by themselves). libFuzzer's output goes to
# FUZZ_TARGET_DIR/logs/TARGET.log; one summary line is printed per target, and on a crash the
# end of the log (the panic and its stack) with the reproducer's path under
# fuzz/artifacts/TARGET/. Every target runs even if an earlier one failed; the exit status
# is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=$1
shift
target_dir=${FUZZ_TARGET_DIR:-fuzz/target}
mkdir -p "$target_dir/logs"
failed=()
for target in "$@"; do
    corpus="$target_dir/corpus/$target"
    log="$target_dir/logs/$target.log"
    mkdir -p "$corpus" "fuzz/artifacts/$target"
    start=$(date +%s)
    # shellcheck disable=SC2086 # the flag lists are word lists
    RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz $FUZZ_BUILD_FLAGS "$target" \
        "$corpus" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 ${FUZZ_LIBFUZZER_FLAGS:-} \
        >"$log" 2>&1
    status=$?
    elapsed=$(($(date +%s) - start))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -n 1)
    seeds=$(find "fuzz/corpus/$target" -type f | wc -l)
    grown=$(find "$corpus" -type f | wc -l)
    if ((status == 0)); then
        printf 'fuzz %-13s ok     %3ds  %9s runs  %6s exec/s  %s  seeds %d, found corpus %d\n' \
            "$target" "$elapsed" "${runs:-?}" "${rate:-?}" "${cov:-cov: ?}" "$seeds" "$grown"
    else
        printf 'fuzz %-13s FAILED %3ds (exit %d); from %s:\n' "$target" "$elapsed" "$status" "$log"
        {
            grep -a -A2 'panicked at' "$log" | head -n 12
            grep -a -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|^SUMMARY:' "$log" | head -n 4
            grep -a -A2 -E 'Failing input:|Reproduce with:' "$log" | grep -a -v -e '^--$' -e '^[[:space:]]*$'
        } | sed 's/^/    /'
        failed+=("$target")
    fi
done
if ((${#failed[@]})); then
    echo "fuzz: failed: ${failed[*]} (reproducers in fuzz/artifacts/; rerun one with" \
        "RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz $FUZZ_BUILD_FLAGS TARGET fuzz/artifacts/TARGET/crash-...)" >&2
    exit 1
fi

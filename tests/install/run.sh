#!/usr/bin/env bash
# Installs libmindra into a temporary prefix and links the C example against the installed
# copy three ways — pkg-config (shared), pkg-config --static (no .so at run time), and CMake's
# find_package(mindra) — running each against the emulator. Also checks a DESTDIR-staged
# install and uninstall.
#
#   tests/install/run.sh EMULATOR VERSION SONAME
set -euo pipefail
emulator=$1 version=$2 soname=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$root/build/install-test
prefix=$work/prefix
passed=0 failed=0
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok   $what"
    else
        failed=$((failed + 1))
        echo "FAIL $what"
    fi
}
run_example() { # run_example BINARY: runs it against a fresh emulator, expects an execution id
    "$root/scripts/with-emulator.sh" "$emulator" "$1" hello "installed library" >"$work/out.txt" 2>&1 &&
        grep -q '^execution_id: *ex_' "$work/out.txt"
}

rm -rf "$work"
mkdir -p "$work"
make -s -C "$root" install PREFIX="$prefix" >/dev/null

lib=$prefix/lib
check "libmindra.so.$version installed" test -f "$lib/libmindra.so.$version"
check "$soname -> libmindra.so.$version" test "$(readlink "$lib/$soname")" = "libmindra.so.$version"
check "libmindra.so -> $soname" test "$(readlink "$lib/libmindra.so")" = "$soname"
check "readelf shows SONAME $soname" sh -c "readelf -d '$lib/libmindra.so.$version' | grep -q 'SONAME.*\\[$soname\\]'"
check "header, static library, mindra.pc and CMake files installed" test -f "$prefix/include/mindra.h" \
    -a -f "$lib/libmindra.a" -a -f "$lib/pkgconfig/mindra.pc" -a -f "$lib/cmake/mindra/mindra-config.cmake"

export PKG_CONFIG_PATH=$lib/pkgconfig
check "pkg-config --modversion is $version" test "$(pkg-config --modversion mindra)" = "$version"
check "Libs.private lists rustc's native-static-libs" \
    test "$(echo $(pkg-config --static --libs-only-l mindra))" = "-lmindra $(cat "$root/target/release/mindra-native-static-libs.txt")"

# 1. Shared, through pkg-config; the loader finds the library through the rpath.
# shellcheck disable=SC2046
cc -std=c99 -Wall -Werror "$root/examples/run_workflow.c" -o "$work/run_shared" \
    $(pkg-config --cflags --libs mindra) -Wl,-rpath,"$lib"
check "shared build needs $soname from the prefix" sh -c "ldd '$work/run_shared' | grep -q '$soname => $lib/$soname'"
check "shared build runs a workflow" run_example "$work/run_shared"

# 3. CMake find_package(mindra) with the imported targets mindra::mindra and mindra::mindra_static.
cmake -S "$root/tests/install/cmake" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake.log" 2>&1 &&
    cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1 || cat "$work/cmake.log"
check "CMake shared target runs a workflow" run_example "$work/cmake/run_workflow"
check "CMake static target needs no libmindra.so" sh -c "! ldd '$work/cmake/run_workflow_static' | grep -q libmindra"
check "CMake static target runs a workflow" run_example "$work/cmake/run_workflow_static"

# 2. Static, through pkg-config --static, with every .so removed to prove none is needed.
rm -f "$lib"/libmindra.so*
# shellcheck disable=SC2046
cc -std=c99 -Wall -Werror "$root/examples/run_workflow.c" -o "$work/run_static" \
    $(pkg-config --static --cflags --libs mindra)
check "static build needs no libmindra.so" sh -c "! ldd '$work/run_static' | grep -q libmindra"
check "static build runs a workflow with no .so installed" run_example "$work/run_static"

# A staged install (as distribution packages do) and its uninstall.
stage=$work/stage
make -s -C "$root" install DESTDIR="$stage" PREFIX=/usr >/dev/null
check "DESTDIR install puts files under the stage" test -f "$stage/usr/lib/libmindra.so.$version"
check "staged mindra.pc names the final prefix" grep -q '^prefix=/usr$' "$stage/usr/lib/pkgconfig/mindra.pc"
make -s -C "$root" uninstall DESTDIR="$stage" PREFIX=/usr >/dev/null
check "uninstall removes every installed file" test -z "$(find "$stage" -type f -o -type l)"

echo "$passed passed, $failed failed"
test "$failed" -eq 0

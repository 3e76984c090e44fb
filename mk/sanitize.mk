# The C tests once more under AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer).
# Included by the root Makefile, which defines CC, BUILD, LIB_DIR, EMULATOR, WITH_EMU,
# CFLAGS_STRICT, LDLIBS_MINDRA and C_TESTS.
#
#   make test-sanitize   build every tests/c/test_*.c with SANITIZE_FLAGS (C99 strict flags as
#                        for test-c), prove the sanitizers are linked and live, then run each
#                        test against a fresh emulator; part of `make test`
#
# What is instrumented. Only the C side: the test programs are compiled with
# -fsanitize=address,undefined and linked against the normal release libmindra.so, whose Rust
# code is not instrumented. That still checks the boundary, which is what these tests are
# for: the executable's first DT_NEEDED is libasan, so ASan's malloc/free/calloc/realloc/
# posix_memalign interpose the C library's for the whole process, libmindra.so included, and
# Rust's System allocator calls exactly those. Every string and struct libmindra hands to C is
# therefore a redzoned, quarantined ASan allocation: a C read past its end or after its
# mindra_*_free, a double free or the free of a foreign pointer (even when the bad free happens
# inside libmindra's own *_free), and a result C never frees (LeakSanitizer, at exit) are all
# reported. Not seen: out-of-bounds accesses made by the Rust code itself; those are the fuzz
# targets' job (mk/fuzz.mk builds the Rust side with -Zsanitizer=address).
#
# False positives: none with this combination (gcc 12's libasan 8, rustc 1.95's libmindra), so
# no suppressions. Panics never unwind through instrumented C frames (every export catches
# them), so ASan's stack poisoning cannot go stale; threads libmindra starts are ordinary
# pthreads that ASan and LSan track through their pthread_create interceptor; memory the
# library keeps for the process's life (the default client, the CA roots) is reachable from
# its globals, which LeakSanitizer scans, so it is not reported as leaked.
#
# LeakSanitizer stops the process's threads with ptrace-like machinery and refuses to run
# without that permission (in some containers) or under a debugger. It works on this machine
# (root, no seccomp restriction); if it cannot, the leak canary below fails with LSan's own
# "fatal error" message rather than letting leaks go unchecked silently.
#
# Proof it is live: fuzz/sanity/asan_canary.c, built with the same flags, must FAIL with the
# expected report in each bad mode (a heap overflow, signed overflow, a double free and a
# use-after-free of a libmindra result, a leaked result) and pass in mode ok; and ldd/nm of
# every test binary must show libasan, libubsan and instrumented accesses.

sanitize_saved_default_goal := $(.DEFAULT_GOAL)

# (-g comes with CFLAGS_STRICT.)
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SANITIZE_DIR   := $(BUILD)/sanitize
# halt_on_error=1: the first report ends the test (with -fno-sanitize-recover=all that holds for
# UBSan too); abort_on_error=0: exit with status 1 instead of SIGABRT (no core dumps).
SANITIZE_ENV   := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
                  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# mode:expected report (an extended regex)
SANITIZE_CANARIES := \
  'overflow:ERROR: AddressSanitizer: heap-buffer-overflow' \
  'ub:runtime error: signed integer overflow' \
  'double-free:ERROR: AddressSanitizer: (attempting double-free|heap-use-after-free)' \
  'use-after-free:ERROR: AddressSanitizer: heap-use-after-free' \
  'leak:ERROR: LeakSanitizer: detected memory leaks'

.PHONY: test-sanitize

$(SANITIZE_DIR)/%: tests/c/%.c tests/c/harness.h include/mindra.h build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) $(SANITIZE_FLAGS) $< -o $@ $(LDLIBS_MINDRA)

$(SANITIZE_DIR)/asan_canary: fuzz/sanity/asan_canary.c include/mindra.h build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) $(SANITIZE_FLAGS) $< -o $@ $(LDLIBS_MINDRA)

test-sanitize: build $(SANITIZE_DIR)/asan_canary $(addprefix $(SANITIZE_DIR)/,$(C_TESTS))
	@set -e; canary=$(SANITIZE_DIR)/asan_canary; log=$(SANITIZE_DIR)/canary.log; \
	  env $(SANITIZE_ENV) $$canary ok >$$log 2>&1 || \
	    { cat $$log; echo "sanitize: the canary fails in mode ok"; exit 1; }; \
	  for spec in $(SANITIZE_CANARIES); do \
	    mode=$${spec%%:*}; report=$${spec#*:}; \
	    if env $(SANITIZE_ENV) $$canary $$mode >$$log 2>&1; then \
	      cat $$log; echo "sanitize: canary $$mode PASSED: the sanitizer is not active"; exit 1; \
	    fi; \
	    grep -a -q -E "$$report" $$log || \
	      { cat $$log; echo "sanitize: canary $$mode failed without the report '$$report'"; exit 1; }; \
	  done; \
	  echo "sanitize: canary caught all of: overflow, ub, double-free, use-after-free, leak"
	@set -e; for t in asan_canary $(C_TESTS); do \
	  bin=$(SANITIZE_DIR)/$$t; libs=$$(ldd $$bin); \
	  echo "$$libs" | grep -q 'libasan\.so' || { echo "sanitize: $$t is not linked with libasan"; exit 1; }; \
	  echo "$$libs" | grep -q 'libubsan\.so' || { echo "sanitize: $$t is not linked with libubsan"; exit 1; }; \
	  echo "$$libs" | grep -q 'libmindra\.so' || { echo "sanitize: $$t is not linked with libmindra.so"; exit 1; }; \
	  nm -u $$bin | grep -q '__asan_report_' || { echo "sanitize: $$t has no ASan checks"; exit 1; }; \
	  nm -u $$bin | grep -q '__ubsan_handle_' || { echo "sanitize: $$t has no UBSan checks"; exit 1; }; \
	done; \
	echo "sanitize: ldd/nm: every binary links $$(ldd $(SANITIZE_DIR)/asan_canary | \
	  grep -o -E '^\s*lib(asan|ubsan)\.so\.[0-9]+' | tr -d ' \t' | tr '\n' ' ')and libmindra.so, and calls ASan and UBSan checks"
	@failed=; for t in $(C_TESTS); do \
	  echo "== $$t (C99, ASan + UBSan + LSan)"; \
	  $(WITH_EMU) env $(SANITIZE_ENV) $(SANITIZE_DIR)/$$t || failed="$$failed $$t"; \
	done; \
	if test -n "$$failed"; then echo "sanitize: failed:$$failed"; exit 1; fi

EXTRA_TESTS += test-sanitize

.DEFAULT_GOAL := $(sanitize_saved_default_goal)

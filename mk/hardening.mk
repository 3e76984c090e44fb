# Hardening (issue 6): fault injection and API abuse are C tests (tests/c/test_faults.c,
# tests/c/test_abuse.c) that test-c already picks up; this file adds what they need and the
# longer checks. Included by the root Makefile, which defines BUILD, LIB_DIR, EMULATOR,
# CFLAGS_STRICT, LDLIBS_MINDRA and EXTRA_TESTS.
#
#   make test-secrets   the API key never appears in anything libmindra says (C and Rust)
#   make test-soak      20 s of 16 threads on one client; RSS and descriptors must stay flat
#   make soak           the same for SOAK_SECONDS (default 600)
#
# The TLS cases of test_faults need a throwaway CA and certificates, made with the openssl
# CLI into $(BUILD)/tls before the test is built; valgrind needs suppressions for ring's
# AES-GCM assembly (false positives, see emulator/tls/valgrind-ring.supp).

# This file is included before the root Makefile's first target: keep `make` with no target
# meaning what the root Makefile says.
hardening_saved_default_goal := $(.DEFAULT_GOAL)

SOAK_SECONDS ?= 600
SOAK_THREADS ?= 16
SOAK_EMULATOR_OPTIONS := --no-record --max-executions 20000
TLS_TEST_DIR := $(BUILD)/tls
VALGRIND_TLS_SUPPRESSIONS := $(CURDIR)/emulator/tls/valgrind-ring.supp

.PHONY: test-secrets test-soak soak tls-test-certs

tls-test-certs:
	@bash emulator/tls/make-test-certs.sh $(TLS_TEST_DIR)

# Order-only: the certificates exist before test_faults runs, without relinking it.
$(BUILD)/tests/test_faults $(BUILD)/tests/test_faults_cpp: | tls-test-certs

test-c: export VALGRIND_OPTS := $(strip $(VALGRIND_OPTS) --suppressions=$(VALGRIND_TLS_SUPPRESSIONS))

test-secrets: build
	CC=$(CC) tests/secrets/run.sh $(EMULATOR) $(LIB_DIR) $(BUILD)

$(BUILD)/soak/soak: soak/soak.c tests/c/harness.h include/mindra.h build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -Wno-unused-function -Wno-unused-variable -O2 -Itests/c $< -o $@ $(LDLIBS_MINDRA)

test-soak: $(BUILD)/soak/soak
	scripts/with-emulator.sh $(EMULATOR) $(SOAK_EMULATOR_OPTIONS) -- $(BUILD)/soak/soak 20 $(SOAK_THREADS)

soak: $(BUILD)/soak/soak
	scripts/with-emulator.sh $(EMULATOR) $(SOAK_EMULATOR_OPTIONS) -- $(BUILD)/soak/soak $(SOAK_SECONDS) $(SOAK_THREADS)

EXTRA_TESTS += test-secrets test-soak

.DEFAULT_GOAL := $(hardening_saved_default_goal)

# Coverage-guided fuzzing of the parsers and the C-string helpers with cargo-fuzz + libFuzzer
# (fuzz/: its own crate and workspace, excluded from the root one). Included by the root
# Makefile, which defines CARGO and CURDIR.
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="sse_parser metadata"]
#                    each target for FUZZ_SECONDS (default 60); a long local campaign
#   make test-fuzz   each target for FUZZ_TEST_SECONDS (20 s: ~2.5 min for all seven); part of
#                    `make test`
#   make fuzz-build  only build them (fuzz/target/x86_64-unknown-linux-gnu/release/TARGET)
#   make fuzz-setup  install the pinned cargo-fuzz if it is missing or another version
#   make fuzz-clean  remove fuzz/target (the fuzz build, logs and grown corpus) and fuzz/artifacts
#
# Toolchain: cargo-fuzz wants nightly for -Zsanitizer=address; the stable rustc here is told
# to accept it with RUSTC_BOOTSTRAP=1, for the fuzz build only (fuzz/run.sh, fuzz-build). The
# root .cargo/config.toml's build.rustflags do not reach this build: cargo-fuzz sets RUSTFLAGS
# (sancov instrumentation, --cfg fuzzing, -Zsanitizer=address, -Cdebug-assertions), which
# replaces config rustflags, and it builds into fuzz/target with --target, so the main build's
# target/ and its flags are untouched. The build always starts cold in CI (about 4 min on the
# 2-core machine; cargo-fuzz forces one codegen unit per crate in its optimised mode).
#
# Crashes: the input is saved under fuzz/artifacts/TARGET/ (ignored by git); cut it down to a
# minimal reproducer in tests/fuzz_regressions.rs, which the normal `cargo test` runs.
# Seeds: fuzz/corpus/TARGET/ (committed, written by fuzz/seeds.py); what a run discovers goes
# to fuzz/target/corpus/TARGET/ instead.

# This file is included before the root Makefile's first target: keep `make` with no target
# meaning what the root Makefile says.
fuzz_saved_default_goal := $(.DEFAULT_GOAL)

CARGO_FUZZ_VERSION := 0.13.2
FUZZ_TARGET_DIR    := $(CURDIR)/fuzz/target
FUZZ_TARGETS       ?= sse_parser run_response error_body retry_after event_decode c_strings metadata
FUZZ_SECONDS       ?= 60
FUZZ_TEST_SECONDS  ?= 20
# Inputs up to 4 KiB cover every construct of these formats (and 800+ levels of JSON nesting);
# the memory limit is well above what the targets need (~0.5 GB with ASan's quarantine) and
# stops a runaway allocation; a 10 s input is a hang.
FUZZ_LIBFUZZER_FLAGS ?= -max_len=4096 -rss_limit_mb=1536 -timeout=10
FUZZ_BUILD_FLAGS   := --target-dir $(FUZZ_TARGET_DIR) --sanitizer address
FUZZ_ENV           := FUZZ_TARGET_DIR=$(FUZZ_TARGET_DIR) FUZZ_BUILD_FLAGS="$(FUZZ_BUILD_FLAGS)" \
                      FUZZ_LIBFUZZER_FLAGS="$(FUZZ_LIBFUZZER_FLAGS)"

.PHONY: fuzz test-fuzz fuzz-build fuzz-setup fuzz-clean

fuzz-setup:
	@if test "$$($(CARGO) fuzz --version 2>/dev/null)" != "cargo-fuzz $(CARGO_FUZZ_VERSION)"; then \
	  echo "fuzz-setup: installing cargo-fuzz $(CARGO_FUZZ_VERSION) from crates.io (about 1.5 min)"; \
	  $(CARGO) install cargo-fuzz --version $(CARGO_FUZZ_VERSION) --locked || exit 1; \
	fi

fuzz-build: fuzz-setup
	@echo "fuzz: building the fuzz targets into fuzz/target (cold: about 4 min)"
	@mkdir -p $(FUZZ_TARGET_DIR); start=$$(date +%s); \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz build --fuzz-dir fuzz $(FUZZ_BUILD_FLAGS) \
	    >$(FUZZ_TARGET_DIR)/build.log 2>&1 || { cat $(FUZZ_TARGET_DIR)/build.log; exit 1; }; \
	  echo "fuzz: built in $$(($$(date +%s) - start)) s"

fuzz: fuzz-build
	@$(FUZZ_ENV) bash fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

test-fuzz: fuzz-build
	@$(FUZZ_ENV) bash fuzz/run.sh $(FUZZ_TEST_SECONDS) $(FUZZ_TARGETS)

fuzz-clean:
	rm -rf fuzz/target fuzz/artifacts

EXTRA_TESTS += test-fuzz

.DEFAULT_GOAL := $(fuzz_saved_default_goal)

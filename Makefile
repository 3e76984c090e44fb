# libmindra: `make demo` runs a workflow from C against the local emulator; `make test` runs
# every test. See README.md.

CARGO        ?= cargo
CC           ?= cc
CXX          ?= c++
PROFILE      := release
TARGET_DIR   := $(CURDIR)/target/$(PROFILE)
LIB_DIR      := $(TARGET_DIR)
EMULATOR     := $(TARGET_DIR)/mindra-emulator
BUILD        := $(CURDIR)/build
WITH_EMU     := scripts/with-emulator.sh $(EMULATOR)

CFLAGS_STRICT   := -std=c99 -Wall -Wextra -Werror -pedantic -g -Iinclude
CXXFLAGS_STRICT := -x c++ -std=c++11 -Wall -Wextra -Werror -pedantic -g -Iinclude
LDLIBS_MINDRA   := -L$(LIB_DIR) -lmindra -Wl,-rpath,$(LIB_DIR) -lpthread
VALGRIND        := valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
                   --show-leak-kinds=definite,indirect --error-exitcode=1

C_TESTS   := $(basename $(notdir $(wildcard tests/c/test_*.c)))
EXAMPLES  := run_workflow stream_events

# Bindings add their own targets, tests and demos here.
-include mk/*.mk

.PHONY: all build examples demo demo-c test test-rust test-lint test-header test-c clean

all: build examples

## build: the library (libmindra.so, libmindra.a), the header and the emulator, in release mode.
build:
	$(CARGO) build --release -p mindra -p mindra-emulator

examples: build $(addprefix $(BUILD)/examples/,$(EXAMPLES))

$(BUILD)/examples/%: examples/%.c include/mindra.h build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) $< -o $@ $(LDLIBS_MINDRA)

## demo: start the emulator, run a workflow from C, stream one with an approval, stop; then
## the same from Go (mk/go.mk adds it to EXTRA_DEMOS).
demo: demo-c $(EXTRA_DEMOS)

demo-c: examples
	$(WITH_EMU) sh -c '\
	  echo "== run_workflow hello (C)"; \
	  $(BUILD)/examples/run_workflow hello "Say hello from C" "{\"source\":\"make demo\"}" && \
	  echo && echo "== stream_events approval --approve (C)" && \
	  $(BUILD)/examples/stream_events approval "Email the weekly report" --approve'

## test: everything — Rust tests, lints, the header drift check, and the C tests under valgrind.
test: test-header test-lint test-rust test-c $(EXTRA_TESTS)

test-rust: build
	MINDRA_EMULATOR_BIN=$(EMULATOR) $(CARGO) test --release --workspace

test-lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The build regenerates include/mindra.h; a difference from the committed copy fails here.
test-header: build
	@git ls-files --error-unmatch include/mindra.h >/dev/null 2>&1 || \
	  { echo "include/mindra.h is not committed"; exit 1; }
	@git diff --exit-code -- include/mindra.h || \
	  { echo "include/mindra.h changed in this build: commit the regenerated header"; exit 1; }
	$(CC) -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only -Iinclude -x c include/mindra.h
	$(CXX) -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only -Iinclude -x c++ include/mindra.h
	@echo "header: committed, unchanged, compiles as C99 and C++11"

$(BUILD)/tests/%: tests/c/%.c tests/c/harness.h include/mindra.h build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) $< -o $@ $(LDLIBS_MINDRA)

$(BUILD)/tests/%_cpp: tests/c/%.c tests/c/harness.h include/mindra.h build
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_STRICT) $< -o $@ $(LDLIBS_MINDRA)

test-c: build $(addprefix $(BUILD)/tests/,$(C_TESTS)) $(addsuffix _cpp,$(addprefix $(BUILD)/tests/,$(C_TESTS)))
	@set -e; for t in $(C_TESTS); do \
	  echo "== $$t (C99, under valgrind)"; \
	  $(WITH_EMU) $(VALGRIND) $(BUILD)/tests/$$t; \
	  echo "== $$t (compiled as C++)"; \
	  $(WITH_EMU) $(BUILD)/tests/$${t}_cpp; \
	done

clean:
	$(CARGO) clean
	rm -rf $(BUILD)

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

VERSION   := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR     := $(word 1,$(subst ., ,$(VERSION)))
MINOR     := $(word 2,$(subst ., ,$(VERSION)))
# A 0.x minor release may break the ABI, so 0.x sonames carry the minor (see build.rs).
SONAME    := $(if $(filter 0,$(MAJOR)),libmindra.so.0.$(MINOR),libmindra.so.$(MAJOR))
# Written by `build` from rustc's own report; mindra.pc's Libs.private and the Go binding use it.
NATIVE_LIBS_FILE := $(LIB_DIR)/mindra-native-static-libs.txt

C_TESTS   := $(basename $(notdir $(wildcard tests/c/test_*.c)))
EXAMPLES  := run_workflow stream_events

# Bindings and test suites add their own targets, tests and demos here; `make` alone still
# means `all`.
.DEFAULT_GOAL := all
-include mk/*.mk
.DEFAULT_GOAL := all

.PHONY: all build examples demo demo-c test test-rust test-lint test-header test-c clean

all: build examples

## build: the library (libmindra.so, libmindra.a), the header and the emulator, in release mode.
build:
	@mkdir -p $(BUILD)
	@$(CARGO) build --release -p mindra -p mindra-emulator 2>$(BUILD)/cargo-build.log; status=$$?; \
	  grep -a -v -e '^note: ' -e '^$$' $(BUILD)/cargo-build.log >&2; exit $$status
	@sed -n 's/^note: native-static-libs: //p' $(BUILD)/cargo-build.log | tail -n 1 >$(BUILD)/native-libs.tmp
	@if test -s $(BUILD)/native-libs.tmp; then mv $(BUILD)/native-libs.tmp $(NATIVE_LIBS_FILE); \
	  else rm -f $(BUILD)/native-libs.tmp; fi
	@test -s $(NATIVE_LIBS_FILE) || { echo "rustc did not report native-static-libs;" \
	  "is RUSTFLAGS overriding .cargo/config.toml?" >&2; exit 1; }
	@# Programs linked here record the soname; give the loader that name in the build tree too.
	@ln -sf libmindra.so $(LIB_DIR)/$(SONAME)

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
test: test-header test-symbols test-lint test-rust test-c test-install $(EXTRA_TESTS)

test-rust: build
	MINDRA_EMULATOR_BIN=$(EMULATOR) $(CARGO) test --release --workspace

test-lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings

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

## install: headers, libmindra.so.X.Y.Z with its soname and symlinks, libmindra.a, mindra.pc
## and the CMake package, under $(DESTDIR)$(PREFIX). uninstall removes exactly those files.
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
INSTALLED  := $(INCLUDEDIR)/mindra.h $(LIBDIR)/libmindra.so.$(VERSION) $(LIBDIR)/$(SONAME) \
              $(LIBDIR)/libmindra.so $(LIBDIR)/libmindra.a $(LIBDIR)/pkgconfig/mindra.pc \
              $(LIBDIR)/cmake/mindra/mindra-config.cmake \
              $(LIBDIR)/cmake/mindra/mindra-config-version.cmake

.PHONY: install uninstall test-install test-symbols

install: build
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LIBDIR)/cmake/mindra
	install -m 644 include/mindra.h $(DESTDIR)$(INCLUDEDIR)/mindra.h
	install -m 755 $(LIB_DIR)/libmindra.so $(DESTDIR)$(LIBDIR)/libmindra.so.$(VERSION)
	ln -sf libmindra.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libmindra.so
	install -m 644 $(LIB_DIR)/libmindra.a $(DESTDIR)$(LIBDIR)/libmindra.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e "s|@NATIVE_LIBS@|$$(cat $(NATIVE_LIBS_FILE))|" \
	    pkg/mindra.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/mindra.pc
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@SONAME@|$(SONAME)|' \
	    -e "s|@LIBDIR_TO_PREFIX@|$$(realpath -m --relative-to=$(LIBDIR) $(PREFIX))|" \
	    -e "s|@INCLUDEDIR_REL@|$$(realpath -m --relative-to=$(PREFIX) $(INCLUDEDIR))|" \
	    -e "s|@NATIVE_LIBS_CMAKE@|$$(sed -e 's/^-l//' -e 's/ -l/;/g' $(NATIVE_LIBS_FILE))|" \
	    pkg/mindra-config.cmake.in >$(DESTDIR)$(LIBDIR)/cmake/mindra/mindra-config.cmake
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@MAJOR@|$(MAJOR)|g' -e 's|@MINOR@|$(MINOR)|g' \
	    pkg/mindra-config-version.cmake.in >$(DESTDIR)$(LIBDIR)/cmake/mindra/mindra-config-version.cmake

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(LIBDIR)/cmake/mindra 2>/dev/null

# The exported symbols are ABI: only mindra_* may be exported, and the list must match the
# committed include/mindra.symbols (update it in the same commit as an added function).
test-symbols: build
	@nm -D --defined-only --format=posix $(LIB_DIR)/libmindra.so | awk '{print $$1}' | sort >$(BUILD)/mindra.symbols
	@if grep -v '^mindra_' $(BUILD)/mindra.symbols; then \
	  echo "libmindra.so exports symbols without the mindra_ prefix (above)"; exit 1; fi
	@diff -u include/mindra.symbols $(BUILD)/mindra.symbols || \
	  { echo "exported symbols differ from include/mindra.symbols: commit the new list"; exit 1; }
	@readelf -d $(LIB_DIR)/libmindra.so | grep -q "SONAME.*\[$(SONAME)\]" || \
	  { echo "libmindra.so lacks the soname $(SONAME)"; exit 1; }
	@echo "symbols: $$(wc -l <$(BUILD)/mindra.symbols) exports, all mindra_*, match include/mindra.symbols; soname $(SONAME)"

test-install: build
	tests/install/run.sh $(EMULATOR) $(VERSION) $(SONAME)

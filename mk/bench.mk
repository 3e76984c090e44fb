# The benchmark suite (issue 5): `make bench` installs what it needs (bench/setup.sh), builds
# everything in release mode, then runs bench/run.sh. Not part of `make test`.
# See bench/README.md.

BENCH_OUT    := $(BUILD)/bench
BENCH_BIN    := $(BENCH_OUT)/bin
BENCH_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Iinclude -Ibench/c
BENCH_COMMON := bench/c/common.c bench/c/common.h bench/c/sse_parser.c bench/c/sse_parser.h

.PHONY: bench bench-setup bench-build bench-go

## bench-setup: install (apt) what the benchmarks need and is missing.
bench-setup:
	@bench/setup.sh

## bench: setup, release build of everything, then every measurement (~5-10 minutes).
bench:
	@bench/setup.sh
	@$(MAKE) --no-print-directory bench-build
	@bench/run.sh

bench-build: build examples $(BENCH_BIN)/bench $(BENCH_BIN)/latency_server \
             $(BENCH_BIN)/test_sse_parser $(BENCH_BIN)/run_workflow_static \
             $(BENCH_BIN)/run_workflow_static_gc bench-go
	@$(CARGO) bench -q --bench sse_parser --no-run 2>&1 | grep -v -e '^$$' -e 'Executable' -e '^note: ' >&2 || true

$(BENCH_BIN)/bench: bench/c/bench.c $(BENCH_COMMON) include/mindra.h build
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) bench/c/bench.c bench/c/common.c bench/c/sse_parser.c -o $@ \
	  $(LDLIBS_MINDRA) $$(pkg-config --cflags --libs libcurl libcjson) -lm

$(BENCH_BIN)/latency_server: bench/c/latency_server.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) $< -o $@

$(BENCH_BIN)/test_sse_parser: bench/c/test_sse_parser.c bench/c/sse_parser.c bench/c/sse_parser.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) bench/c/test_sse_parser.c bench/c/sse_parser.c -o $@

# The example linked against libmindra.a (libc and the system libraries stay dynamic).
$(BENCH_BIN)/run_workflow_static: examples/run_workflow.c include/mindra.h build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -O2 $< -o $@ $(LIB_DIR)/libmindra.a $$(cat $(NATIVE_LIBS_FILE))

# The same with unused sections dropped by the linker.
$(BENCH_BIN)/run_workflow_static_gc: examples/run_workflow.c include/mindra.h build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -O2 $< -o $@ $(LIB_DIR)/libmindra.a $$(cat $(NATIVE_LIBS_FILE)) \
	  -Wl,--gc-sections

# The Go benchmark needs the Go binding (bindings/go); without it the Go figures are skipped.
# The stamp in CGO_CFLAGS makes Go notice a rebuilt libmindra.a (golang/go#24355; see mk/go.mk).
BENCH_GO_ENV = CGO_CFLAGS="$${CGO_CFLAGS:--O2 -g} -DMINDRA_LIB_STAMP=$$(cat $(LIB_DIR)/libmindra.a $(CURDIR)/include/mindra.h | cksum | tr -c 0-9 _)"

bench-go: build
	@mkdir -p $(BENCH_BIN)
	@rm -f $(BENCH_BIN)/go_bench $(BENCH_BIN)/go_bench.skipped
	@if test -f bindings/go/go.mod && command -v go >/dev/null 2>&1; then \
	  cd bench/go && $(BENCH_GO_ENV) go test -count=1 . >/dev/null && \
	  $(BENCH_GO_ENV) go build -o $(BENCH_BIN)/go_bench . || \
	    { echo "go test or go build of bench/go failed" >$(BENCH_BIN)/go_bench.skipped; \
	      rm -f $(BENCH_BIN)/go_bench; }; \
	else echo "bindings/go/go.mod or go missing" >$(BENCH_BIN)/go_bench.skipped; fi

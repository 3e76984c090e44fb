# The Go binding (bindings/go) and its example (examples/go). Included by the root Makefile,
# which defines EMULATOR, WITH_EMU, LIB_DIR, NATIVE_LIBS_FILE and CURDIR.
#
#   make test-go   checks that bindings/go/link_local.go still links the native libraries
#                  rustc reports, runs go vet, then the Go tests against the emulator with
#                  -race, and again built with GOEXPERIMENT=cgocheck2 (complete cgo pointer
#                  checks)
#   make demo-go   run examples/go against a fresh emulator
#   make test-go-forcegc   the Go tests with a garbage collection before every C call (slow
#                  to build, not part of `make test`; exposes a missing runtime.KeepAlive)

# This file is included before the root Makefile's first target: keep `make` with no target
# meaning what the root Makefile says.
go_saved_default_goal := $(.DEFAULT_GOAL)

GO ?= go

# The Go build cache does not notice that libmindra.a (named in a #cgo LDFLAGS line) or
# mindra.h changed (golang/go#24355), and would go on linking a stale copy. Adding their hash
# to CGO_CFLAGS changes the cgo package's build key whenever they change. Computed when the
# recipe runs, after `build`.
GO_ENV = CGO_CFLAGS="$${CGO_CFLAGS:--O2 -g} -DMINDRA_LIB_STAMP=$$(cat $(LIB_DIR)/libmindra.a $(CURDIR)/include/mindra.h | cksum | tr -c 0-9 _)"
GO_TEST_ENV = $(GO_ENV) MINDRA_EMULATOR_BIN=$(EMULATOR)
GO_DEMO_BIN = $(BUILD)/examples/stream_workflow_go

.PHONY: test-go test-go-forcegc demo-go

test-go: build
	@have="$$(sed -n 's/^#cgo LDFLAGS: [^ ]*libmindra\.a //p' bindings/go/link_local.go)"; \
	  want="$$(cat $(NATIVE_LIBS_FILE))"; test "$$have" = "$$want" || \
	  { echo "bindings/go/link_local.go links '$$have' but rustc now needs '$$want'"; exit 1; }
	cd bindings/go && $(GO) vet ./...
	cd bindings/go && $(GO_TEST_ENV) $(GO) test -race -count=1 ./...
	cd bindings/go && $(GO_TEST_ENV) GOEXPERIMENT=cgocheck2 $(GO) test -count=1 ./...

test-go-forcegc: build
	cd bindings/go && $(GO_TEST_ENV) $(GO) test -tags forcegc -count=1 ./...

demo-go: build
	@mkdir -p $(dir $(GO_DEMO_BIN))
	cd examples/go && $(GO_ENV) $(GO) vet ./... && $(GO_ENV) $(GO) build -o $(GO_DEMO_BIN) .
	@! ldd $(GO_DEMO_BIN) | grep libmindra || { echo "$(GO_DEMO_BIN) needs libmindra.so"; exit 1; }
	@echo "== examples/go approval (Go, libmindra linked statically)"
	$(WITH_EMU) $(GO_DEMO_BIN) approval "Email the weekly report"

EXTRA_TESTS += test-go
EXTRA_DEMOS += demo-go

.DEFAULT_GOAL := $(go_saved_default_goal)

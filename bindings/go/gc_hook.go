//go:build !forcegc

package mindra

// gcHook runs just before each C call that borrows a handle. In normal builds it does
// nothing; with -tags forcegc it forces a garbage collection (see gc_hook_forcegc.go).
func gcHook() {}

// forcedGC reports whether gcHook forces collections (for tests that must stay short).
const forcedGC = false

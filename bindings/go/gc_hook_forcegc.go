//go:build forcegc

package mindra

import "runtime"

// gcHook forces a garbage collection just before each C call that borrows a handle, so that a
// missing runtime.KeepAlive lets the owner's cleanup free the handle while C is still using it,
// and the tests crash instead of passing by luck. Test-only: build with -tags forcegc.
func gcHook() { runtime.GC() }

// forcedGC reports whether gcHook forces collections (for tests that must stay short).
const forcedGC = true

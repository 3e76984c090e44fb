//go:build forcegc

package mindra

// With -tags forcegc, a goroutine runs runtime.GC() without pause for the whole run (see
// TestMain) and gcHook forces a collection before every C call that borrows a handle: a
// missing runtime.KeepAlive then lets a cleanup free a handle that C is still using, and the
// tests crash instead of passing by luck.
//
//	go test -tags forcegc -count=1 ./...
func init() { backgroundGC = true }

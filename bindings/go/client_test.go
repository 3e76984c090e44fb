package mindra

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestNewClientConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		opts     []Option
		sentinel *Error
	}{
		{"empty key", []Option{WithAPIKey(""), WithBaseURL(baseURL)}, ErrConfig},
		{"key with newline", []Option{WithAPIKey("mk_a\nb"), WithBaseURL(baseURL)}, ErrConfig},
		{"key with NUL", []Option{WithAPIKey("mk_a\x00b"), WithBaseURL(baseURL)}, ErrConfig},
		{"insecure http", []Option{WithAPIKey(testKey), WithBaseURL("http://example.com")}, ErrConfig},
		{"empty URL", []Option{WithAPIKey(testKey), WithBaseURL("")}, ErrConfig},
		{"negative timeout", []Option{WithTimeout(-time.Second)}, ErrInvalidArgument},
		{"negative retries", []Option{WithMaxRetries(-1)}, ErrInvalidArgument},
		{"negative reconnects", []Option{WithMaxReconnects(-1)}, ErrInvalidArgument},
	}
	for _, tc := range cases {
		c, err := NewClient(tc.opts...)
		if c != nil {
			t.Errorf("%s: got a client", tc.name)
			c.Close()
		}
		e := wantKind(t, err, tc.sentinel)
		if e.Message == "" {
			t.Errorf("%s: empty message", tc.name)
		}
	}
}

func TestClientCloseIdempotent(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Close() }()
	}
	wg.Wait()
	if err := c.Close(); err != nil {
		t.Errorf("third Close: %v", err)
	}
	_, err := c.Run(t.Context(), "hello", uniqueTask(t), nil)
	wantKind(t, err, ErrInvalidArgument)
	if !errors.Is(err, ErrClosed) {
		t.Errorf("errors.Is(%v, ErrClosed) is false", err)
	}
	if _, err := c.Stream(t.Context(), "ex_0000000000000000"); !errors.Is(err, ErrClosed) {
		t.Errorf("Stream on a closed client: %v", err)
	}
	if err := c.Approve(t.Context(), "ex_1", "ap_1", ""); !errors.Is(err, ErrClosed) {
		t.Errorf("Approve on a closed client: %v", err)
	}
}

func TestClientCloseWaitsForCallsInFlight(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Run(t.Context(), "slow", uniqueTask(t), map[string]any{"delay_ms": 400})
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond) // let the run reach C
	begin := time.Now()
	c.Close()
	if d := time.Since(begin); d < 150*time.Millisecond {
		t.Errorf("Close returned after %v, before the run in flight finished", d)
	}
	if err := <-errc; err != nil {
		t.Errorf("the run in flight failed: %v", err)
	}
}

func TestClientConcurrentCloseAndRuns(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 4 {
				c.Close()
				return
			}
			_, err := c.Run(t.Context(), "hello", uniqueTask(t), nil)
			if err != nil && !errors.Is(err, ErrClosed) {
				t.Errorf("Run: %v", err)
			}
		}()
	}
	wg.Wait()
}

// TestCleanupBackstop drops a client and a stream without closing them and checks that the
// garbage collector releases them: nothing keeps them reachable by mistake.
func TestCleanupBackstop(t *testing.T) {
	clients, streams := leakedClients.Load(), leakedStreams.Load()
	func() {
		c, err := NewClient(WithAPIKey(testKey), WithBaseURL(baseURL))
		if err != nil {
			t.Fatal(err)
		}
		// context.Background: a cancellable context would keep the stream's watcher, and so
		// the stream, reachable until it ends.
		ctx := context.Background()
		exec, err := c.Run(ctx, "hello", uniqueTask(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.Stream(ctx, exec.ExecutionID)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Next() {
			t.Fatal(s.Err())
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && (leakedClients.Load() == clients || leakedStreams.Load() == streams) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if leakedClients.Load() == clients || leakedStreams.Load() == streams {
		t.Errorf("the cleanups did not run: clients %d -> %d, streams %d -> %d",
			clients, leakedClients.Load(), streams, leakedStreams.Load())
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	if Version() != HeaderVersion() {
		t.Errorf("library %s, header %s", Version(), HeaderVersion())
	}
}

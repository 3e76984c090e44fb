package mindra

import (
	"context"
	"iter"
	"runtime"
	"sync"
	"sync/atomic"
)

// Stream is a workflow's live event stream, read with Next, Event and Err (like
// bufio.Scanner) or with the All iterator:
//
//	s, err := client.Stream(ctx, exec.ExecutionID)
//	if err != nil { ... }
//	defer s.Close()
//	for s.Next() {
//		handle(s.Event())
//	}
//	if err := s.Err(); err != nil { ... }
//
// One goroutine reads a stream; Close may be called from any goroutine at any time, and
// ending the stream's context has the same effect: a Next blocked waiting for the server
// returns false promptly (well under a second) and Err reports an error matching ErrCancelled
// (and ctx.Err(), or ErrClosed).
//
// The stream's connection is released as soon as the stream ends (after Done or an error);
// Close releases it earlier. A Stream dropped without Close is released by a cleanup when the
// garbage collector finds it, as a leak backstop only.
type Stream struct {
	// nextMu is held by Next for the whole C call, and by Close while it frees the handle:
	// the handle is never freed while mindra_stream_next is using it.
	nextMu sync.Mutex
	// mu guards h and cause, so that a cancel (from Close or the context watcher) never
	// reaches a freed handle. It is never held across mindra_stream_next.
	mu      sync.Mutex
	h       streamHandle
	cause   error // why the stream was cancelled (ctx.Err() or ErrClosed); the first one wins
	cleanup runtime.Cleanup
	stop    func() bool // unregisters the context watcher

	// Owned by the reading goroutine (written under nextMu).
	ev  Event
	err error
	end bool
}

// leakedStreams counts streams freed by the cleanup backstop rather than Close (for tests).
var leakedStreams atomic.Int64

// Stream opens the event stream of an execution. executionOrStreamURL is an execution id,
// the StreamURL of an Execution, or an absolute URL of the client's own origin (another origin
// is an ErrInvalidArgument error, so the API key never leaves its host).
//
// Stream waits for the server's response head: an HTTP error (ErrNotFound for an unknown
// execution, ErrUnauthorized, ...) or an answer that is not an event stream (ErrProtocol) is
// reported here. If ctx ends while it waits, Stream returns an error matching ErrCancelled
// and ctx.Err() at once (the connection attempt is released in the background).
//
// ctx also bounds the stream's life: when it ends, a blocked Next returns false and Err
// reports the cancellation. The stream stays usable after the Client is closed.
func (c *Client) Stream(ctx context.Context, executionOrStreamURL string) (*Stream, error) {
	if err := checkStrings("execution id or stream URL", executionOrStreamURL); err != nil {
		return nil, err
	}
	h, err := call(ctx, c, "opening the stream", func(h clientHandle) (streamHandle, error) {
		return h.openStream(executionOrStreamURL)
	}, streamHandle.free)
	if err != nil {
		return nil, err
	}
	s := &Stream{h: h}
	s.cleanup = runtime.AddCleanup(s, func(h streamHandle) {
		leakedStreams.Add(1)
		h.free()
	}, h)
	// The watcher holds s only while ctx is alive and the stream not yet released.
	s.stop = context.AfterFunc(ctx, func() { s.cancel(ctx.Err()) })
	return s, nil
}

// cancel makes a blocked Next return (and every later one), recording why.
func (s *Stream) cancel(cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cause == nil {
		s.cause = cause
	}
	if s.h.p != nil {
		s.h.cancel()
	}
}

// releaseLocked frees the handle once; the caller holds nextMu, so no Next is running.
func (s *Stream) releaseLocked() {
	s.mu.Lock()
	if s.h.p != nil {
		s.cleanup.Stop()
		s.h.free()
		s.h = streamHandle{}
	}
	s.mu.Unlock()
	s.stop()
}

// Next blocks until the next event and reports whether there is one; read it with Event.
// It returns false after the Done event has been read, after a failure, and after Close or
// the end of the stream's context; Err then tells which.
func (s *Stream) Next() bool {
	s.nextMu.Lock()
	defer s.nextMu.Unlock()
	s.ev = nil
	if s.end {
		return false
	}
	s.mu.Lock()
	h, cause := s.h, s.cause
	s.mu.Unlock()
	if h.p == nil || cause != nil { // closed or cancelled while no Next was running
		if cause == nil {
			cause = ErrClosed
		}
		s.finish(cancelled(cause, "waiting for the next event"))
		return false
	}
	ev, err := h.next()
	runtime.KeepAlive(s)
	if err != nil {
		if err.Kind == KindCancelled {
			s.mu.Lock()
			if s.cause != nil {
				err = cancelled(s.cause, "waiting for the next event")
			}
			s.mu.Unlock()
		}
		s.finish(err)
		return false
	}
	if ev == nil { // the stream ended after its done event
		s.finish(nil)
		return false
	}
	s.ev = ev
	return true
}

func (s *Stream) finish(err error) {
	s.err = err
	s.end = true
	s.releaseLocked()
}

// Event returns the event read by the last call to Next that returned true, or nil.
func (s *Stream) Event() Event { return s.ev }

// Err returns the error that ended the stream, or nil when it ended normally after its Done
// event (or was closed after that). A stream that ends before Done is an ErrTransport error,
// never a quiet end; one ended by Close or its context matches ErrCancelled.
func (s *Stream) Err() error {
	if s.err == nil {
		return nil // not a typed nil *Error
	}
	return s.err
}

// Close cancels the stream and releases its connection. It may be called from any goroutine,
// also while another one is blocked in Next: it cancels that call, waits for it to return,
// then frees the stream. Close is idempotent and always returns nil.
func (s *Stream) Close() error {
	s.cancel(ErrClosed)
	s.nextMu.Lock()
	defer s.nextMu.Unlock()
	s.releaseLocked()
	return nil
}

// All returns an iterator over the stream's events for a range-over-func loop:
//
//	for ev, err := range s.All() {
//		if err != nil { ... } // the stream failed; the loop ends after this
//		...
//	}
//
// It yields each event with a nil error, then, if the stream failed, one (nil, err) pair.
// The stream is closed when the loop ends, whether it ran to the end or stopped early.
func (s *Stream) All() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		defer s.Close()
		for s.Next() {
			if !yield(s.Event(), nil) {
				return
			}
		}
		if err := s.Err(); err != nil {
			yield(nil, err)
		}
	}
}

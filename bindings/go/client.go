package mindra

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Client is a Mindra API client: API key, base URL, timeout, retries and a pool of kept-alive
// connections, over one libmindra MindraClient.
//
// A Client is safe for concurrent use by many goroutines. Close it when done; a Client that
// is dropped without Close is released by a cleanup when the garbage collector finds it, but
// that is a leak backstop, not a way to manage it.
type Client struct {
	// mu is read-held for the whole of every C call that borrows h, and write-held by Close:
	// Close therefore waits for calls in flight, and no call can start on a freed client.
	mu      sync.RWMutex
	h       clientHandle
	closed  bool
	cleanup runtime.Cleanup
}

// leakedClients counts clients freed by the cleanup backstop rather than Close (for tests).
var leakedClients atomic.Int64

// Option configures a Client in NewClient.
type Option func(*options) error

type options struct {
	apiKey, baseURL *string
	timeout         *time.Duration
	maxRetries      *uint32
	maxReconnects   *uint32
}

// WithAPIKey sets the API key. Without it the key comes from the MINDRA_API_KEY environment
// variable, read by libmindra; a missing or empty key is an ErrConfig error.
func WithAPIKey(key string) Option {
	return func(o *options) error { o.apiKey = &key; return nil }
}

// WithBaseURL sets the API's base URL (it may carry a path prefix such as
// https://gw.example.com/mindra). Without it the URL comes from MINDRA_BASE_URL, else
// https://api.mindra.co. Plain http:// is accepted only for loopback hosts unless
// MINDRA_ALLOW_INSECURE_HTTP=1 is set.
func WithBaseURL(url string) Option {
	return func(o *options) error { o.baseURL = &url; return nil }
}

// WithTimeout sets the client timeout (default 30 s; 0 means none): per HTTP attempt for
// Run, Approve and Reject, and for a stream the longest silence allowed between bytes
// (keep-alive comments count). It is rounded down to whole milliseconds, and up to 1 ms when
// smaller. A negative duration is an ErrInvalidArgument error.
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return invalidArgument(fmt.Sprintf("negative timeout %v", d))
		}
		o.timeout = &d
		return nil
	}
}

// WithMaxRetries sets how many times a request is retried after HTTP 429 or 503 (honouring
// Retry-After) or a failure to connect (default 2; 0 turns retries off). A run is never
// retried once the server may have started it. A negative count is an ErrInvalidArgument
// error.
func WithMaxRetries(n int) Option {
	return func(o *options) error {
		v, err := toUint32(n, "max retries")
		o.maxRetries = &v
		return err
	}
}

// WithMaxReconnects sets how many times a stream that drops before its done event is reopened
// with Last-Event-ID, when the server sent event ids (default 5, also the most allowed; 0
// reports a drop at once as ErrTransport). A negative count is an ErrInvalidArgument error.
func WithMaxReconnects(n int) Option {
	return func(o *options) error {
		v, err := toUint32(n, "max reconnects")
		o.maxReconnects = &v
		return err
	}
}

func toUint32(n int, what string) (uint32, error) {
	if n < 0 {
		return 0, invalidArgument(fmt.Sprintf("negative %s %d", what, n))
	}
	if uint64(n) > math.MaxUint32 {
		return math.MaxUint32, nil
	}
	return uint32(n), nil
}

// NewClient creates a client. Without options it is configured like libmindra's default
// client, from MINDRA_API_KEY and MINDRA_BASE_URL. Configuration errors (a missing key, an
// unusable or insecure base URL) are ErrConfig errors.
func NewClient(opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	for _, s := range []*string{o.apiKey, o.baseURL} {
		if s != nil && strings.IndexByte(*s, 0) >= 0 {
			return nil, &Error{Kind: KindConfig, Message: "API key or base URL contains a NUL byte"}
		}
	}
	h, err := newClientHandle(o.apiKey, o.baseURL)
	if err != nil {
		return nil, err
	}
	if err := configure(h, &o); err != nil {
		h.free()
		return nil, err
	}
	c := &Client{h: h}
	c.cleanup = runtime.AddCleanup(c, func(h clientHandle) {
		leakedClients.Add(1)
		h.free()
	}, h)
	return c, nil
}

func configure(h clientHandle, o *options) error {
	if o.timeout != nil {
		if err := h.setTimeout(*o.timeout); err != nil {
			return err
		}
	}
	if o.maxRetries != nil {
		if err := h.setMaxRetries(*o.maxRetries); err != nil {
			return err
		}
	}
	if o.maxReconnects != nil {
		if err := h.setMaxReconnects(*o.maxReconnects); err != nil {
			return err
		}
	}
	return nil
}

// Close releases the client and its idle connections. It waits for calls in flight on other
// goroutines to return (each is bounded by the client timeout); calls made afterwards fail
// with an error matching ErrClosed. Streams already opened stay usable until they are closed.
// Close is idempotent and safe from any goroutine; it always returns nil.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		c.cleanup.Stop()
		c.h.free()
		c.h = clientHandle{}
	}
	return nil
}

// acquire read-locks the client for one C call; call release when the call has returned.
func (c *Client) acquire() (clientHandle, error) {
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return clientHandle{}, &Error{Kind: KindInvalidArgument, Message: "the client is closed", cause: ErrClosed}
	}
	return c.h, nil
}

func (c *Client) release() { c.mu.RUnlock() }

// callResult carries the outcome of a background C call.
type callResult[T any] struct {
	v   T
	err error
}

// call runs one blocking C call on the client's handle and honours ctx as well as a blocking
// C call allows: ctx is checked first; if ctx ends while C is still working, call returns a
// KindCancelled error wrapping ctx.Err() at once and lets the C call finish in the background
// (the client stays read-locked until it does, so Close still waits for it), and then discard
// releases whatever the abandoned call produced. The request may therefore still reach the
// server after call has returned.
func call[T any](ctx context.Context, c *Client, what string, f func(clientHandle) (T, error), discard func(T)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, cancelled(err, what)
	}
	h, err := c.acquire()
	if err != nil {
		return zero, err
	}
	if ctx.Done() == nil { // a context that is never done: no goroutine needed
		defer c.release()
		v, err := f(h)
		runtime.KeepAlive(c)
		return v, err
	}
	ch := make(chan callResult[T], 1)
	go func() {
		v, err := f(h)
		runtime.KeepAlive(c)
		c.release()
		ch <- callResult[T]{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		select {
		case r := <-ch: // finished at the same moment: keep the result
			return r.v, r.err
		default:
		}
		go func() {
			r := <-ch
			if r.err == nil && discard != nil {
				discard(r.v)
			}
		}()
		return zero, cancelled(ctx.Err(), what)
	}
}

// Version returns the version of the linked libmindra ("MAJOR.MINOR.PATCH").
func Version() string { return cVersion() }

// HeaderVersion returns the version of the mindra.h this package was compiled against; it
// differs from Version only when the header and the linked library do not match.
func HeaderVersion() string {
	return fmt.Sprintf("%d.%d.%d", headerVersionMajor, headerVersionMinor, headerVersionPatch)
}

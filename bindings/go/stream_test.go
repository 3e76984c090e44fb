package mindra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStreamHello(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	task := uniqueTask(t)
	exec, err := c.Run(t.Context(), "hello", task, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Stream(t.Context(), exec.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs := collect(t, s)
	if err := s.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
	query, _ := json.Marshal(map[string]string{"query": task})
	want := []Event{
		Chunk{Content: "Hello"},
		Chunk{Content: ", "},
		Chunk{Content: "world!"},
		ToolExecuting{ToolName: "search", ToolInput: query},
		ToolResult{ToolName: "search", Result: "3 results"},
		Chunk{Content: " (found 3 results)"},
		Done{ExecutionID: exec.ExecutionID, Status: "completed", FinalAnswer: "Hello, world!"},
	}
	if len(evs) != len(want) {
		t.Fatalf("got %d events %v, want %d", len(evs), evs, len(want))
	}
	for i, ev := range evs {
		if !sameEvent(ev, want[i]) {
			t.Errorf("event %d = %#v, want %#v", i, ev, want[i])
		}
		if ev.Name() != want[i].Name() || ev.Data() == "" {
			t.Errorf("event %d: Name %q Data %q", i, ev.Name(), ev.Data())
		}
	}
	if s.Next() || s.Err() != nil || s.Event() != nil {
		t.Errorf("after the end: Next true or Err %v or Event %v", s.Err(), s.Event())
	}
}

// sameEvent compares the typed fields of two events (not Name, Data and ID).
func sameEvent(got, want Event) bool {
	switch w := want.(type) {
	case Chunk:
		g, ok := got.(Chunk)
		return ok && g.Content == w.Content
	case ToolExecuting:
		g, ok := got.(ToolExecuting)
		return ok && g.ToolName == w.ToolName && jsonEqual(g.ToolInput, w.ToolInput)
	case ToolResult:
		g, ok := got.(ToolResult)
		return ok && g.ToolName == w.ToolName && g.Result == w.Result
	case ApprovalRequest:
		g, ok := got.(ApprovalRequest)
		return ok && g.ApprovalID == w.ApprovalID && g.ToolName == w.ToolName && jsonEqual(g.ToolInput, w.ToolInput)
	case Done:
		g, ok := got.(Done)
		return ok && g == Done{eventMeta: g.eventMeta, ExecutionID: w.ExecutionID, Status: w.Status, FinalAnswer: w.FinalAnswer}
	case Other:
		g, ok := got.(Other)
		return ok && g.Name() == w.Name()
	}
	return false
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && fmt.Sprint(x) == fmt.Sprint(y)
}

func TestStreamByStreamURLAndAbsoluteURL(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for _, target := range []func(*Execution) string{
		func(e *Execution) string { return e.StreamURL },
		func(e *Execution) string { return baseURL + e.StreamURL },
	} {
		exec, err := c.Run(t.Context(), "tools", uniqueTask(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.Stream(t.Context(), target(exec))
		if err != nil {
			t.Fatal(err)
		}
		evs := collect(t, s)
		if s.Err() != nil || len(evs) != 5 {
			t.Errorf("%s: %d events, Err %v", target(exec), len(evs), s.Err())
		} else if d, ok := evs[4].(Done); !ok || d.FinalAnswer != "42" {
			t.Errorf("last event %#v", evs[4])
		}
		s.Close()
	}
}

func TestStreamOpenErrors(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	_, err := c.Stream(t.Context(), "ex_0000000000000000")
	if e := wantKind(t, err, ErrNotFound); e.Code != "EXECUTION_NOT_FOUND" || e.HTTPStatus != 404 {
		t.Errorf("Code, HTTPStatus = %q, %d", e.Code, e.HTTPStatus)
	}
	_, err = c.Stream(t.Context(), "http://127.0.0.2:1/api/v1/workflows/execute/ex_1/stream")
	wantKind(t, err, ErrInvalidArgument) // another origin: the key must not leave its host
	_, err = c.Stream(t.Context(), "")
	wantKind(t, err, ErrInvalidArgument)

	exec, err := c.Run(t.Context(), "not-sse", uniqueTask(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Stream(t.Context(), exec.ExecutionID)
	wantKind(t, err, ErrProtocol)
}

func TestStreamUnknownEventIsOther(t *testing.T) {
	t.Parallel()
	_, s := start(t, newClient(t), "unknown-event", nil)
	evs := collect(t, s)
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
	var others []Other
	for _, ev := range evs {
		if o, ok := ev.(Other); ok {
			others = append(others, o)
		}
	}
	if len(others) != 1 || others[0].Name() != "heartbeat" || others[0].Data() != "{}" {
		t.Errorf("Other events = %#v (all: %v)", others, evs)
	}
	if _, ok := evs[len(evs)-1].(Done); !ok {
		t.Errorf("last event %#v, want Done", evs[len(evs)-1])
	}
}

func TestStreamDropWithoutIDsIsTransportError(t *testing.T) {
	t.Parallel()
	_, s := start(t, newClient(t), "drop-no-ids", nil)
	evs := collect(t, s)
	if len(evs) != 2 {
		t.Errorf("got %d events before the drop, want 2", len(evs))
	}
	wantKind(t, s.Err(), ErrTransport)
	if s.Next() {
		t.Error("Next true after the error")
	}
}

func TestStreamDropWithIDsResumes(t *testing.T) {
	t.Parallel()
	_, s := start(t, newClient(t), "drop-with-ids", map[string]any{"retry_ms": 100})
	evs := collect(t, s)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(evs) != 6 {
		t.Fatalf("got %d events %v, want 6", len(evs), evs)
	}
	seen := map[string]bool{}
	for i, ev := range evs[:5] {
		if c, ok := ev.(Chunk); !ok || c.Content != fmt.Sprintf("part%d", i+1) {
			t.Errorf("event %d = %#v", i, ev)
		}
	}
	for i, ev := range evs {
		if ev.ID() != fmt.Sprint(i+1) || seen[ev.ID()] {
			t.Errorf("event %d has id %q (duplicate: %v)", i, ev.ID(), seen[ev.ID()])
		}
		seen[ev.ID()] = true
	}
	if d, ok := evs[5].(Done); !ok || d.FinalAnswer != "part1part2part3part4part5" {
		t.Errorf("last event %#v", evs[5])
	}
}

// blockedNext opens a keepalive stream that sends nothing but comments for a minute and
// calls Next on it in a goroutine; the result arrives on the returned channel with the time
// Next took to return.
func blockedNext(t *testing.T, ctx context.Context, c *Client) (*Stream, <-chan time.Time) {
	t.Helper()
	exec, err := c.Run(t.Context(), "keepalive", uniqueTask(t), map[string]any{"pause_ms": 60000})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Stream(ctx, exec.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	returned := make(chan time.Time, 1)
	go func() {
		if s.Next() {
			t.Errorf("Next returned an event: %#v", s.Event())
		}
		returned <- time.Now()
	}()
	select {
	case <-returned:
		t.Fatal("Next returned before being cancelled")
	case <-time.After(300 * time.Millisecond): // blocked in mindra_stream_next by now
	}
	return s, returned
}

func TestStreamContextCancelEndsBlockedNext(t *testing.T) {
	c := newClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	s, returned := blockedNext(t, ctx, c)
	begin := time.Now()
	cancel()
	if d := (<-returned).Sub(begin); d > 500*time.Millisecond {
		t.Errorf("Next returned %v after the cancel, want under 500 ms", d)
	}
	wantKind(t, s.Err(), ErrCancelled)
	if !errors.Is(s.Err(), context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) is false", s.Err())
	}
}

func TestStreamContextDeadlineEndsBlockedNext(t *testing.T) {
	c := newClient(t)
	ctx, cancel := context.WithTimeout(t.Context(), 600*time.Millisecond)
	defer cancel()
	s, returned := blockedNext(t, ctx, c)
	<-returned
	wantKind(t, s.Err(), ErrCancelled)
	if !errors.Is(s.Err(), context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) is false", s.Err())
	}
}

func TestStreamCloseFromAnotherGoroutineEndsBlockedNext(t *testing.T) {
	c := newClient(t)
	_, s := start(t, c, "approval", nil)
	for s.Next() { // chunk, then approval_request; the stream then waits for a decision
		if _, ok := s.Event().(ApprovalRequest); ok {
			break
		}
	}
	returned := make(chan time.Time, 1)
	go func() {
		if s.Next() {
			t.Errorf("Next returned an event: %#v", s.Event())
		}
		returned <- time.Now()
	}()
	time.Sleep(300 * time.Millisecond)
	begin := time.Now()
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	if d := (<-returned).Sub(begin); d > 500*time.Millisecond {
		t.Errorf("Next returned %v after Close, want under 500 ms", d)
	}
	<-closed
	wantKind(t, s.Err(), ErrCancelled)
	if !errors.Is(s.Err(), ErrClosed) {
		t.Errorf("errors.Is(%v, ErrClosed) is false", s.Err())
	}
	if s.Next() || s.Close() != nil {
		t.Error("Next true or Close failing after Close")
	}
}

func TestStreamCloseIdempotent(t *testing.T) {
	t.Parallel()
	_, s := start(t, newClient(t), "hello", nil)
	if !s.Next() {
		t.Fatal(s.Err())
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); s.Close() }()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Errorf("third Close: %v", err)
	}
	if s.Next() {
		t.Error("Next true after Close")
	}
	if !errors.Is(s.Err(), ErrClosed) {
		t.Errorf("Err() = %v, want ErrClosed", s.Err())
	}
}

func TestStreamCloseAfterEndKeepsNilErr(t *testing.T) {
	t.Parallel()
	_, s := start(t, newClient(t), "hello", nil)
	collect(t, s)
	s.Close()
	if s.Next() || s.Err() != nil {
		t.Errorf("after end and Close: Err %v", s.Err())
	}
}

func TestStreamAll(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	_, s := start(t, c, "hello", nil)
	var text strings.Builder
	n := 0
	for ev, err := range s.All() {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if ch, ok := ev.(Chunk); ok {
			text.WriteString(ch.Content)
		}
	}
	if n != 7 || text.String() != "Hello, world! (found 3 results)" {
		t.Errorf("%d events, text %q", n, text.String())
	}

	// Breaking out of the loop closes the stream.
	_, s = start(t, c, "hello", nil)
	for range s.All() {
		break
	}
	if s.Next() || !errors.Is(s.Err(), ErrClosed) {
		t.Errorf("after break: Err %v, want closed", s.Err())
	}

	// A failure is yielded once, as the last pair.
	_, s = start(t, c, "drop-no-ids", nil)
	var errs []error
	for ev, err := range s.All() {
		if err != nil {
			errs = append(errs, err)
			if ev != nil {
				t.Errorf("event %v with the error", ev)
			}
		}
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrTransport) {
		t.Errorf("errors yielded: %v", errs)
	}
}

func TestStreamManyEvents(t *testing.T) {
	t.Parallel()
	events := 100000
	if forcedGC {
		events = 2000 // a collection before every event: keep the run short
	}
	_, s := start(t, newClient(t), "many-events", map[string]any{"events": events})
	chunks, other := 0, 0
	var done Done
	for s.Next() {
		switch ev := s.Event().(type) {
		case Chunk:
			if len(ev.Content) != 64 {
				t.Fatalf("chunk %d has %d bytes", chunks, len(ev.Content))
			}
			chunks++
		case Done:
			done = ev
		default:
			other++
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if chunks != events || other != 0 || done.FinalAnswer != fmt.Sprintf("%d chunks sent", events) {
		t.Errorf("%d chunks, %d others, done %#v; want %d chunks", chunks, other, done, events)
	}
}

func TestStreamOutlivesClient(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	_, s := start(t, c, "hello", nil)
	c.Close()
	if evs := collect(t, s); len(evs) != 7 || s.Err() != nil {
		t.Errorf("%d events, Err %v", len(evs), s.Err())
	}
}

func TestStreamContextAlreadyCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := newClient(t).Stream(ctx, "ex_0000000000000000")
	wantKind(t, err, ErrCancelled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) is false", err)
	}
}

func TestStreamIdleTimeout(t *testing.T) {
	t.Parallel()
	c := newClient(t, WithTimeout(300*time.Millisecond))
	_, s := start(t, c, "slow-stream", map[string]any{"silence_ms": 3000})
	evs := collect(t, s)
	if len(evs) != 1 {
		t.Errorf("%d events before the silence, want 1", len(evs))
	}
	wantKind(t, s.Err(), ErrTimeout)
}

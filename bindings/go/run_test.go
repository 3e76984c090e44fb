package mindra

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunHello(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	task := uniqueTask(t)
	before := time.Now()
	exec, err := c.Run(t.Context(), "hello", task, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(exec.ExecutionID, "ex_") || len(exec.ExecutionID) != 19 {
		t.Errorf("ExecutionID = %q", exec.ExecutionID)
	}
	if exec.Status != "running" || exec.WorkflowSlug != "hello" || exec.WorkflowName == "" {
		t.Errorf("Status, WorkflowSlug, WorkflowName = %q, %q, %q", exec.Status, exec.WorkflowSlug, exec.WorkflowName)
	}
	if want := "/api/v1/workflows/execute/" + exec.ExecutionID + "/stream"; exec.StreamURL != want {
		t.Errorf("StreamURL = %q, want %q", exec.StreamURL, want)
	}
	if exec.ConversationID == nil || !strings.HasPrefix(*exec.ConversationID, "conv_") {
		t.Errorf("ConversationID = %v, want conv_...", exec.ConversationID)
	}
	if exec.CreatedAtRaw == "" || exec.CreatedAt.IsZero() {
		t.Errorf("CreatedAt = %v (raw %q), want parsed", exec.CreatedAt, exec.CreatedAtRaw)
	}
	if d := exec.CreatedAt.Sub(before); d < -2*time.Second || d > time.Minute {
		t.Errorf("CreatedAt %v is %v away from the call", exec.CreatedAt, d)
	}
	if !strings.HasPrefix(exec.RequestID, "req_") || exec.HTTPStatus != 200 {
		t.Errorf("RequestID, HTTPStatus = %q, %d", exec.RequestID, exec.HTTPStatus)
	}
	var raw map[string]any
	if err := json.Unmarshal(exec.RawJSON, &raw); err != nil || raw["execution_id"] != exec.ExecutionID {
		t.Errorf("RawJSON = %s (%v)", exec.RawJSON, err)
	}
	reqs := requestsWith(t, task)
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/v1/workflows/hello/run" ||
		reqs[0].Headers["x-api-key"] != testKey {
		t.Errorf("recorded requests = %+v", reqs)
	}
}

func TestRunNoConversation(t *testing.T) {
	t.Parallel()
	exec, err := newClient(t).Run(t.Context(), "no-conversation", uniqueTask(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if exec.ConversationID != nil {
		t.Errorf("ConversationID = %q, want nil", *exec.ConversationID)
	}
	if exec.CreatedAt.IsZero() {
		t.Errorf("CreatedAt not parsed from %q", exec.CreatedAtRaw)
	}
}

func TestRunDefaultsFromEnvironment(t *testing.T) {
	t.Parallel()
	c, err := NewClient() // MINDRA_API_KEY and MINDRA_BASE_URL, set by TestMain
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Run(t.Context(), "hello", uniqueTask(t), nil); err != nil {
		t.Fatal(err)
	}
}

// sentMetadata returns the metadata field of the one run request carrying task, as raw text.
func sentMetadata(t *testing.T, task string) (body string, metadata json.RawMessage) {
	t.Helper()
	reqs := requestsWith(t, task)
	if len(reqs) != 1 {
		t.Fatalf("%d requests recorded for the task, want 1", len(reqs))
	}
	var b struct {
		Metadata json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal([]byte(reqs[0].Body), &b); err != nil {
		t.Fatalf("request body %q: %v", reqs[0].Body, err)
	}
	return reqs[0].Body, b.Metadata
}

func TestRunMetadata(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	type labels struct {
		Team     string `json:"team"`
		Priority int    `json:"priority"`
	}
	// Text that re-serialising would change: key order, spacing, escapes, number spelling.
	const verbatim = `{"z": 1.50,  "a": ["\u00e9", 123456789012345678901234567890], "m": {}}`
	cases := []struct {
		name     string
		metadata any
		want     string // exact text expected in the body; "" = compare as JSON
		wantJSON string
	}{
		{"nil", nil, "", `{}`},
		{"map", map[string]any{"source": "go", "n": 2}, `{"n":2,"source":"go"}`, ""},
		{"struct", labels{"ops", 1}, `{"team":"ops","priority":1}`, ""},
		{"pointer to struct", &labels{"dev", 2}, `{"team":"dev","priority":2}`, ""},
		{"RawMessage verbatim", json.RawMessage(verbatim), verbatim, ""},
		{"bytes verbatim", []byte(verbatim), verbatim, ""},
		{"nil map", map[string]any(nil), "", `{}`},
		{"empty RawMessage", json.RawMessage(nil), "", `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			task := uniqueTask(t)
			if _, err := c.Run(t.Context(), "hello", task, tc.metadata); err != nil {
				t.Fatal(err)
			}
			body, meta := sentMetadata(t, task)
			if tc.want != "" {
				if !strings.Contains(body, tc.want) {
					t.Errorf("body %s does not contain %s verbatim", body, tc.want)
				}
				return
			}
			var got, want any
			if meta != nil {
				_ = json.Unmarshal(meta, &got)
			}
			_ = json.Unmarshal([]byte(tc.wantJSON), &want)
			if meta != nil && !reflect.DeepEqual(got, want) {
				t.Errorf("metadata sent = %s, want %s", meta, tc.wantJSON)
			}
		})
	}
}

func TestRunInvalidMetadata(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	cases := map[string]any{
		"number":            42,
		"string":            "not an object",
		"bool":              true,
		"slice":             []int{1, 2},
		"RawMessage array":  json.RawMessage(`[1]`),
		"RawMessage string": json.RawMessage(`"x"`),
		"invalid JSON":      json.RawMessage(`{"a":`),
		"two objects":       []byte(`{} {}`),
		"unmarshalable":     map[string]any{"ch": make(chan int)},
	}
	for name, metadata := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			task := uniqueTask(t)
			_, err := c.Run(t.Context(), "hello", task, metadata)
			wantKind(t, err, ErrInvalidMetadata)
			if n := len(requestsWith(t, task)); n != 0 {
				t.Errorf("%d requests recorded, want none", n)
			}
		})
	}
}

func TestRunInvalidArguments(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for _, tc := range []struct{ slug, task string }{
		{"", "task"}, {"hello", ""}, {"..", "task"}, {".", "task"}, {"hello", "a\x00b"}, {"hel\x00lo", "task"},
	} {
		_, err := c.Run(t.Context(), tc.slug, tc.task, nil)
		wantKind(t, err, ErrInvalidArgument)
	}
}

func TestRunHTTPErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		slug     string
		opts     []Option
		sentinel *Error
		status   int
		code     string
	}{
		{"not found", "no-such-workflow", nil, ErrNotFound, 404, "WORKFLOW_NOT_FOUND"},
		{"unauthorized", "hello", []Option{WithAPIKey("mk_wrong")}, ErrUnauthorized, 401, "UNAUTHORIZED"},
		{"rate limited", "rate-limited", []Option{WithMaxRetries(0)}, ErrRateLimited, 429, "RATE_LIMITED"},
		{"server error", "server-error", nil, ErrServer, 500, "INTERNAL_ERROR"},
		{"bad gateway", "bad-gateway", nil, ErrServer, 502, ""},
		{"truncated", "truncated", nil, ErrProtocol, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, tc.opts...)
			exec, err := c.Run(t.Context(), tc.slug, uniqueTask(t), nil)
			if exec != nil {
				t.Errorf("Execution = %+v, want nil", exec)
			}
			e := wantKind(t, err, tc.sentinel)
			if e.HTTPStatus != tc.status || e.Code != tc.code {
				t.Errorf("HTTPStatus, Code = %d, %q; want %d, %q", e.HTTPStatus, e.Code, tc.status, tc.code)
			}
			if !strings.HasPrefix(e.RequestID, "req_") {
				t.Errorf("RequestID = %q", e.RequestID)
			}
			if e.Message == "" || strings.Contains(err.Error(), testKey) {
				t.Errorf("Error() = %q", err.Error())
			}
			for _, other := range []*Error{ErrTimeout, ErrCancelled, ErrInternal} {
				if errors.Is(err, other) {
					t.Errorf("errors.Is(err, %v) is true", other.Kind)
				}
			}
		})
	}
}

func TestRunRateLimitedOnceIsRetried(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	if _, err := c.Run(t.Context(), "rate-limited-once", uniqueTask(t), map[string]any{"retry_after": 0}); err != nil {
		t.Fatal(err)
	}
}

func TestRunContextAlreadyCancelled(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	task := uniqueTask(t)
	_, err := c.Run(ctx, "hello", task, nil)
	wantKind(t, err, ErrCancelled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) is false", err)
	}
	if n := len(requestsWith(t, task)); n != 0 {
		t.Errorf("%d requests recorded, want none", n)
	}
}

func TestRunContextDeadline(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	begin := time.Now()
	_, err := c.Run(ctx, "slow", uniqueTask(t), map[string]any{"delay_ms": 800})
	if d := time.Since(begin); d > time.Second {
		t.Errorf("Run returned after %v, want about 100 ms", d)
	}
	wantKind(t, err, ErrCancelled)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) is false", err)
	}
	// The abandoned call still holds the client: Close waits for it, then frees.
	c.Close()
}

func TestRunClientTimeout(t *testing.T) {
	t.Parallel()
	c := newClient(t, WithTimeout(200*time.Millisecond), WithMaxRetries(0))
	_, err := c.Run(t.Context(), "slow", uniqueTask(t), map[string]any{"delay_ms": 1500})
	wantKind(t, err, ErrTimeout)
}

func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	const n = 16
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			exec, err := c.Run(t.Context(), "hello", uniqueTask(t), map[string]int{"goroutine": i})
			errs[i] = err
			if err == nil {
				ids[i] = exec.ExecutionID
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("goroutine %d: %v", i, errs[i])
		} else if seen[ids[i]] {
			t.Errorf("execution id %s returned twice", ids[i])
		}
		seen[ids[i]] = true
	}
}

package mindra

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// untilApproval reads a stream up to its approval request.
func untilApproval(t *testing.T, s *Stream) ApprovalRequest {
	t.Helper()
	for s.Next() {
		if ar, ok := s.Event().(ApprovalRequest); ok {
			return ar
		}
	}
	t.Fatalf("no approval request; Err %v", s.Err())
	return ApprovalRequest{}
}

func TestApprove(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	exec, s := start(t, c, "approval", nil)
	ar := untilApproval(t, s)
	if !strings.HasPrefix(ar.ApprovalID, "ap_") || ar.ToolName != "send_email" ||
		!jsonEqual(ar.ToolInput, json.RawMessage(`{"to":"ops@example.com","subject":"Report"}`)) {
		t.Errorf("approval request %#v", ar)
	}
	if err := c.Approve(t.Context(), exec.ExecutionID, ar.ApprovalID, ""); err != nil {
		t.Fatal(err)
	}
	evs := collect(t, s)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	want := []Event{
		ToolExecuting{ToolName: "send_email", ToolInput: ar.ToolInput},
		ToolResult{ToolName: "send_email", Result: "sent"},
		Done{ExecutionID: exec.ExecutionID, Status: "completed", FinalAnswer: "Email sent."},
	}
	if len(evs) != len(want) {
		t.Fatalf("after approving: %v", evs)
	}
	for i := range want {
		if !sameEvent(evs[i], want[i]) {
			t.Errorf("event %d = %#v, want %#v", i, evs[i], want[i])
		}
	}
	// No reason: the request has no reason field.
	reqs := requestsWith(t, "/approve/"+ar.ApprovalID)
	if len(reqs) != 1 || strings.Contains(reqs[0].Body, "reason") {
		t.Errorf("approve requests %+v", reqs)
	}
	// Deciding twice is refused.
	err := c.Reject(t.Context(), exec.ExecutionID, ar.ApprovalID, "")
	if e := wantKind(t, err, ErrBadRequest); e.Code != "APPROVAL_ALREADY_DECIDED" || e.HTTPStatus != 409 {
		t.Errorf("Code, HTTPStatus = %q, %d", e.Code, e.HTTPStatus)
	}
}

func TestReject(t *testing.T) {
	t.Parallel()
	for _, reason := range []string{"", "too risky\nfor now"} {
		c := newClient(t)
		exec, s := start(t, c, "approval", nil)
		ar := untilApproval(t, s)
		if err := c.Reject(t.Context(), exec.ExecutionID, ar.ApprovalID, reason); err != nil {
			t.Fatal(err)
		}
		evs := collect(t, s)
		if s.Err() != nil || len(evs) != 2 {
			t.Fatalf("after rejecting: %v, Err %v", evs, s.Err())
		}
		want := "Email not sent: rejected"
		if reason != "" {
			want += ": " + reason
		}
		if d, ok := evs[1].(Done); !ok || d.FinalAnswer != want {
			t.Errorf("done = %#v, want final answer %q", evs[1], want)
		}
	}
}

func TestApproveWhileStreamBlocked(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	exec, s := start(t, c, "approval", nil)
	// The approval id is ap_ + the execution's hex digits: decide from another goroutine
	// while this one is blocked in Next waiting for the request (or for what follows it).
	approvalID := "ap_" + strings.TrimPrefix(exec.ExecutionID, "ex_")
	errc := make(chan error, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		errc <- c.Approve(t.Context(), exec.ExecutionID, approvalID, "approved early")
	}()
	evs := collect(t, s)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
	if d, ok := evs[len(evs)-1].(Done); !ok || d.FinalAnswer != "Email sent." {
		t.Errorf("last event %#v", evs[len(evs)-1])
	}
}

func TestApprovalExpires(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	exec, s := start(t, c, "approval-expires", map[string]any{"expire_ms": 200})
	ar := untilApproval(t, s)
	evs := collect(t, s) // nobody decides: the approval expires and the run fails
	if s.Err() != nil || len(evs) != 1 {
		t.Fatalf("after the approval request: %v, Err %v", evs, s.Err())
	}
	if d, ok := evs[0].(Done); !ok || d.Status != "failed" || d.FinalAnswer != "Approval expired." {
		t.Errorf("done = %#v", evs[0])
	}
	err := c.Approve(t.Context(), exec.ExecutionID, ar.ApprovalID, "")
	if e := wantKind(t, err, ErrBadRequest); e.Code != "APPROVAL_EXPIRED" || e.HTTPStatus != 400 ||
		!strings.HasPrefix(e.RequestID, "req_") {
		t.Errorf("Code, HTTPStatus, RequestID = %q, %d, %q", e.Code, e.HTTPStatus, e.RequestID)
	}
}

func TestApproveErrors(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	err := c.Approve(t.Context(), "ex_0000000000000000", "ap_0000000000000000", "")
	if e := wantKind(t, err, ErrNotFound); e.Code != "EXECUTION_NOT_FOUND" {
		t.Errorf("Code = %q", e.Code)
	}
	exec, err := c.Run(t.Context(), "approval", uniqueTask(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Approve(t.Context(), exec.ExecutionID, "ap_nope", "")
	if e := wantKind(t, err, ErrNotFound); e.Code != "APPROVAL_NOT_FOUND" {
		t.Errorf("Code = %q", e.Code)
	}
	for _, ids := range [][2]string{{"", "ap_1"}, {"ex_1", ""}, {"..", "ap_1"}, {"ex_1", "."}, {"ex\x00", "ap"}} {
		wantKind(t, c.Approve(t.Context(), ids[0], ids[1], ""), ErrInvalidArgument)
	}
	wantKind(t, c.Reject(t.Context(), "ex_1", "ap_1", "no\x00pe"), ErrInvalidArgument)
}

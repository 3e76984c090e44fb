package mindra

import (
	"context"
	"encoding/json"
	"strings"
)

// Verdict is what a Decision does with an approval request.
type Verdict int

const (
	// Undecided leaves the approval request alone: the workflow stays paused until someone
	// decides (for instance another goroutine calling Client.Approve) or the request expires.
	Undecided Verdict = iota
	// Approved approves the tool call.
	Approved
	// Rejected rejects the tool call.
	Rejected
)

// String returns "undecided", "approved" or "rejected".
func (v Verdict) String() string {
	switch v {
	case Approved:
		return "approved"
	case Rejected:
		return "rejected"
	default:
		return "undecided"
	}
}

// Decision is a RunAndWait handler's answer to an event. It matters only for ApprovalRequest
// events; for the others, return NoDecision.
type Decision struct {
	// Verdict says whether to approve, reject or leave the request undecided.
	Verdict Verdict
	// Reason is sent with the verdict; "" sends none.
	Reason string
}

// NoDecision is the zero Decision: decide nothing.
var NoDecision = Decision{}

// Approve returns a Decision that approves an approval request, with an optional reason.
func Approve(reason string) Decision { return Decision{Verdict: Approved, Reason: reason} }

// Reject returns a Decision that rejects an approval request, with an optional reason.
func Reject(reason string) Decision { return Decision{Verdict: Rejected, Reason: reason} }

// ToolCall is one tool call seen during a RunAndWait.
type ToolCall struct {
	// ToolName is the tool's name.
	ToolName string
	// Input is the JSON text of the tool's input.
	Input json.RawMessage
	// Result is the tool's result, as in ToolResult.Result; "" until it arrived.
	Result string
	// HasResult reports whether a ToolResult arrived for this call.
	HasResult bool
}

// ApprovalDecision records an approval request seen during a RunAndWait and what was decided.
type ApprovalDecision struct {
	// Request is the approval_request event.
	Request ApprovalRequest
	// Decision is the handler's answer (NoDecision when there was no handler).
	Decision Decision
}

// Result is the outcome of RunAndWait.
type Result struct {
	// Execution is the run as started.
	Execution *Execution
	// Status is the final status from the Done event, such as "completed" or "failed".
	Status string
	// FinalAnswer is the final answer from the Done event.
	FinalAnswer string
	// Text is the content of every Chunk, concatenated in order.
	Text string
	// ToolCalls are the tool calls in the order they started (a ToolResult without a
	// preceding ToolExecuting gets a call of its own).
	ToolCalls []ToolCall
	// Approvals are the approval requests and the decisions taken.
	Approvals []ApprovalDecision
	// Events counts the events received, Done included.
	Events int
}

// RunAndWait runs the workflow slug with task and metadata (as Run), streams its events to
// the end and returns the outcome. handler, when not nil, is called for every event in order;
// for an ApprovalRequest its Decision is applied at once with Client.Approve or
// Client.Reject. A handler error stops the run and is returned as is. With a nil handler,
// approval requests are left undecided.
//
// ctx bounds the whole call, stream included. On an error after the run started, the returned
// Result is not nil: it holds the Execution and what was received so far.
func (c *Client) RunAndWait(ctx context.Context, slug, task string, metadata any,
	handler func(Event) (Decision, error)) (*Result, error) {
	exec, err := c.Run(ctx, slug, task, metadata)
	if err != nil {
		return nil, err
	}
	res := &Result{Execution: exec}
	stream, err := c.Stream(ctx, exec.StreamURL)
	if err != nil {
		return res, err
	}
	defer stream.Close()

	var text strings.Builder
	defer func() { res.Text = text.String() }()
	for stream.Next() {
		ev := stream.Event()
		res.Events++
		decision := NoDecision
		if handler != nil {
			if decision, err = handler(ev); err != nil {
				return res, err
			}
		}
		switch ev := ev.(type) {
		case Chunk:
			text.WriteString(ev.Content)
		case ToolExecuting:
			res.ToolCalls = append(res.ToolCalls, ToolCall{ToolName: ev.ToolName, Input: ev.ToolInput})
		case ToolResult:
			res.addResult(ev)
		case ApprovalRequest:
			res.Approvals = append(res.Approvals, ApprovalDecision{Request: ev, Decision: decision})
			switch decision.Verdict {
			case Approved:
				err = c.Approve(ctx, exec.ExecutionID, ev.ApprovalID, decision.Reason)
			case Rejected:
				err = c.Reject(ctx, exec.ExecutionID, ev.ApprovalID, decision.Reason)
			}
			if err != nil {
				return res, err
			}
		case Done:
			res.Status, res.FinalAnswer = ev.Status, ev.FinalAnswer
		}
	}
	return res, stream.Err()
}

// addResult attaches a tool result to the latest call of that tool still waiting for one.
func (r *Result) addResult(ev ToolResult) {
	for i := len(r.ToolCalls) - 1; i >= 0; i-- {
		if tc := &r.ToolCalls[i]; tc.ToolName == ev.ToolName && !tc.HasResult {
			tc.Result, tc.HasResult = ev.Result, true
			return
		}
	}
	r.ToolCalls = append(r.ToolCalls, ToolCall{ToolName: ev.ToolName, Result: ev.Result, HasResult: true})
}

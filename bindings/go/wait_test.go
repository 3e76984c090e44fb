package mindra

import (
	"errors"
	"strings"
	"testing"
)

func TestRunAndWaitHello(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	var names []string
	res, err := c.RunAndWait(t.Context(), "hello", uniqueTask(t), nil, func(ev Event) (Decision, error) {
		names = append(names, ev.Name())
		return NoDecision, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "completed" || res.FinalAnswer != "Hello, world!" || res.Text != "Hello, world! (found 3 results)" ||
		res.Events != 7 || len(names) != 7 || res.Execution == nil {
		t.Errorf("result %+v, names %v", res, names)
	}
	if len(res.ToolCalls) != 1 || res.ToolCalls[0].ToolName != "search" || !res.ToolCalls[0].HasResult ||
		res.ToolCalls[0].Result != "3 results" || !strings.Contains(string(res.ToolCalls[0].Input), "query") {
		t.Errorf("tool calls %+v", res.ToolCalls)
	}
}

func TestRunAndWaitApproval(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for _, tc := range []struct {
		decision Decision
		answer   string
		calls    int
	}{
		{Approve("looks fine"), "Email sent.", 1},
		{Reject("not today"), "Email not sent: rejected: not today", 0},
	} {
		res, err := c.RunAndWait(t.Context(), "approval", uniqueTask(t), map[string]string{"via": "RunAndWait"},
			func(ev Event) (Decision, error) {
				if _, ok := ev.(ApprovalRequest); ok {
					return tc.decision, nil
				}
				return NoDecision, nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if res.FinalAnswer != tc.answer || res.Status != "completed" || len(res.ToolCalls) != tc.calls {
			t.Errorf("%v: result %+v", tc.decision.Verdict, res)
		}
		if len(res.Approvals) != 1 || res.Approvals[0].Decision != tc.decision ||
			res.Approvals[0].Request.ToolName != "send_email" {
			t.Errorf("%v: approvals %+v", tc.decision.Verdict, res.Approvals)
		}
		if tc.calls == 1 && res.ToolCalls[0].Result != "sent" {
			t.Errorf("tool call %+v", res.ToolCalls[0])
		}
	}
}

func TestRunAndWaitHandlerError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop here")
	res, err := newClient(t).RunAndWait(t.Context(), "hello", uniqueTask(t), nil, func(Event) (Decision, error) {
		return NoDecision, stop
	})
	if err != stop || res == nil || res.Execution == nil || res.Events != 1 {
		t.Errorf("err %v, result %+v", err, res)
	}
}

func TestRunAndWaitRunError(t *testing.T) {
	t.Parallel()
	res, err := newClient(t).RunAndWait(t.Context(), "no-such-workflow", uniqueTask(t), nil, nil)
	wantKind(t, err, ErrNotFound)
	if res != nil {
		t.Errorf("result %+v", res)
	}
}

package mindra

import "context"

// Approve approves the paused tool call approvalID (from an ApprovalRequest event) of
// execution executionID: the workflow resumes and runs the tool. reason is sent with the
// decision; "" sends none.
//
// Errors: ErrNotFound for an unknown execution or approval, ErrBadRequest for one that has
// expired (Code "APPROVAL_EXPIRED") or was already decided (Code "APPROVAL_ALREADY_DECIDED"),
// ErrInvalidArgument for an empty id, "." or "..". Safe to call from another goroutine while
// a Stream of the same execution is blocked in Next. ctx is honoured as in Run: if it ends
// first, Approve returns a cancellation error and the request may still reach the server.
func (c *Client) Approve(ctx context.Context, executionID, approvalID, reason string) error {
	return c.decide(ctx, false, executionID, approvalID, reason)
}

// Reject rejects the paused tool call approvalID of execution executionID: the workflow
// resumes without running the tool. Arguments, errors and cancellation are as for Approve.
func (c *Client) Reject(ctx context.Context, executionID, approvalID, reason string) error {
	return c.decide(ctx, true, executionID, approvalID, reason)
}

func (c *Client) decide(ctx context.Context, reject bool, executionID, approvalID, reason string) error {
	if err := checkStrings("execution id", executionID, "approval id", approvalID); err != nil {
		return err
	}
	if reason != "" {
		if err := checkStrings("reason", reason); err != nil {
			return err
		}
	}
	what := "approving"
	if reject {
		what = "rejecting"
	}
	_, err := call(ctx, c, what, func(h clientHandle) (struct{}, error) {
		return struct{}{}, h.decide(reject, executionID, approvalID, reason)
	}, nil)
	return err
}

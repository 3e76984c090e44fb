package mindra

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestErrorKindNamesMatchLibmindra(t *testing.T) {
	t.Parallel()
	for k := int32(-1); k <= 15; k++ {
		if got, want := ErrorKind(k).String(), cKindName(k); got != want {
			t.Errorf("ErrorKind(%d).String() = %q, libmindra says %q", k, got, want)
		}
	}
}

func TestErrorFormatAndIs(t *testing.T) {
	t.Parallel()
	err := error(&Error{Kind: KindNotFound, HTTPStatus: 404, Code: "WORKFLOW_NOT_FOUND",
		Message: "HTTP 404: Workflow 'x' not found", RequestID: "req_7"})
	want := "mindra: not_found: HTTP 404: Workflow 'x' not found (code WORKFLOW_NOT_FOUND, request req_7)"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	wrapped := fmt.Errorf("loading: %w", err)
	if !errors.Is(wrapped, ErrNotFound) || errors.Is(wrapped, ErrServer) {
		t.Error("errors.Is does not match by kind through wrapping")
	}
	var e *Error
	if !errors.As(wrapped, &e) || e.Code != "WORKFLOW_NOT_FOUND" {
		t.Error("errors.As lost the details")
	}

	c := cancelled(context.DeadlineExceeded, "running the workflow")
	if !errors.Is(c, ErrCancelled) || !errors.Is(c, context.DeadlineExceeded) || errors.Is(c, context.Canceled) {
		t.Errorf("cancellation error %v does not wrap its cause", c)
	}
	if got := (&Error{Kind: KindTransport}).Error(); got != "mindra: transport" {
		t.Errorf("bare Error() = %q", got)
	}
	if got := (&Error{Kind: KindProtocol, HTTPStatus: 200, Message: "bad JSON"}).Error(); got != "mindra: protocol: bad JSON (HTTP 200)" {
		t.Errorf("Error() = %q", got)
	}
}

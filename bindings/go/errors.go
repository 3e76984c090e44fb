package mindra

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorKind says what went wrong. Its values are libmindra's MindraErrorKind values, fixed by
// the C ABI and never reused.
type ErrorKind int

// The error kinds, in the order and with the values of the C enum MindraErrorKind.
const (
	// KindInvalidArgument: an empty required argument, a string with a NUL byte or invalid
	// UTF-8, or an unusable slug or id.
	KindInvalidArgument ErrorKind = 1
	// KindInvalidMetadata: the metadata is not a JSON object.
	KindInvalidMetadata ErrorKind = 2
	// KindConfig: a missing API key, an unusable base URL, or a refused insecure URL.
	KindConfig ErrorKind = 3
	// KindTransport: a DNS, connect, TLS or I/O failure, or a connection lost (including a
	// stream that ends before its done event).
	KindTransport ErrorKind = 4
	// KindTimeout: the client timeout passed (for a stream: the longest allowed silence).
	KindTimeout ErrorKind = 5
	// KindUnauthorized: HTTP 401 or 403.
	KindUnauthorized ErrorKind = 6
	// KindNotFound: HTTP 404.
	KindNotFound ErrorKind = 7
	// KindRateLimited: HTTP 429 once retries are spent.
	KindRateLimited ErrorKind = 8
	// KindBadRequest: any other HTTP 4xx.
	KindBadRequest ErrorKind = 9
	// KindServer: HTTP 5xx once retries are spent.
	KindServer ErrorKind = 10
	// KindProtocol: the server's answer is not what the API documents.
	KindProtocol ErrorKind = 11
	// KindCancelled: the operation was cancelled (a context, or Stream.Close).
	KindCancelled ErrorKind = 12
	// KindInternal: a bug in libmindra (a caught panic).
	KindInternal ErrorKind = 13
)

var kindNames = [...]string{
	"ok", "invalid_argument", "invalid_metadata", "config", "transport", "timeout",
	"unauthorized", "not_found", "rate_limited", "bad_request", "server", "protocol",
	"cancelled", "internal",
}

// String returns the kind's lowercase name, the same as libmindra's mindra_error_kind_name
// ("not_found", "rate_limited", ...), or "unknown".
func (k ErrorKind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Error is every failure reported by this package. Test for a kind with errors.Is and the
// sentinels below (errors.Is(err, mindra.ErrNotFound)), or use errors.As to read the
// details.
type Error struct {
	// Kind says what went wrong.
	Kind ErrorKind
	// HTTPStatus is the status of the server's answer; 0 when no HTTP response was received.
	HTTPStatus int
	// Code is the API's "code" field, such as "WORKFLOW_NOT_FOUND"; "" when there was none.
	Code string
	// Message is human-readable. It never contains the API key.
	Message string
	// RequestID is the response's x-request-id header; "" when there was none.
	RequestID string

	// cause is what the error wraps: ctx.Err() when a context ended the call, ErrClosed
	// when Close did.
	cause error
}

// Error formats the error as "mindra: KIND: MESSAGE (code CODE, request ID)", leaving out the
// parts that are empty. libmindra's messages already name the HTTP status; it is added as
// "HTTP N" in the parentheses only when the message does not.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("mindra: ")
	b.WriteString(e.Kind.String())
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	var extra []string
	if status := fmt.Sprintf("HTTP %d", e.HTTPStatus); e.HTTPStatus != 0 && !strings.Contains(e.Message, status) {
		extra = append(extra, status)
	}
	if e.Code != "" {
		extra = append(extra, "code "+e.Code)
	}
	if e.RequestID != "" {
		extra = append(extra, "request "+e.RequestID)
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return b.String()
}

// Is reports whether target is an *Error of the same Kind, so that
// errors.Is(err, mindra.ErrTimeout) matches every timeout whatever its message or status.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && t.Kind == e.Kind
}

// Unwrap returns the cause of a cancellation: the context's error (context.Canceled or
// context.DeadlineExceeded) when a context ended the call, ErrClosed when Close did;
// otherwise nil.
func (e *Error) Unwrap() error { return e.cause }

// Sentinels for errors.Is, one per kind. They carry only a Kind; do not modify them.
var (
	// ErrInvalidArgument matches errors of KindInvalidArgument.
	ErrInvalidArgument = &Error{Kind: KindInvalidArgument, Message: "invalid argument"}
	// ErrInvalidMetadata matches errors of KindInvalidMetadata.
	ErrInvalidMetadata = &Error{Kind: KindInvalidMetadata, Message: "metadata is not a JSON object"}
	// ErrConfig matches errors of KindConfig.
	ErrConfig = &Error{Kind: KindConfig, Message: "configuration error"}
	// ErrTransport matches errors of KindTransport.
	ErrTransport = &Error{Kind: KindTransport, Message: "transport error"}
	// ErrTimeout matches errors of KindTimeout.
	ErrTimeout = &Error{Kind: KindTimeout, Message: "timeout"}
	// ErrUnauthorized matches errors of KindUnauthorized.
	ErrUnauthorized = &Error{Kind: KindUnauthorized, Message: "unauthorized"}
	// ErrNotFound matches errors of KindNotFound.
	ErrNotFound = &Error{Kind: KindNotFound, Message: "not found"}
	// ErrRateLimited matches errors of KindRateLimited.
	ErrRateLimited = &Error{Kind: KindRateLimited, Message: "rate limited"}
	// ErrBadRequest matches errors of KindBadRequest.
	ErrBadRequest = &Error{Kind: KindBadRequest, Message: "bad request"}
	// ErrServer matches errors of KindServer.
	ErrServer = &Error{Kind: KindServer, Message: "server error"}
	// ErrProtocol matches errors of KindProtocol.
	ErrProtocol = &Error{Kind: KindProtocol, Message: "protocol error"}
	// ErrCancelled matches errors of KindCancelled.
	ErrCancelled = &Error{Kind: KindCancelled, Message: "cancelled"}
	// ErrInternal matches errors of KindInternal.
	ErrInternal = &Error{Kind: KindInternal, Message: "internal error"}
)

// ErrClosed is wrapped by the errors of calls on a closed Client and of a Stream ended by
// Close, so errors.Is(err, mindra.ErrClosed) holds for them (as well as the error's Kind).
var ErrClosed = errors.New("mindra: closed")

// cancelled is the error of a call that a context or Close ended. cause is ctx.Err() or
// ErrClosed.
func cancelled(cause error, what string) *Error {
	reason := cause.Error()
	if cause == ErrClosed {
		reason = "closed"
	}
	return &Error{Kind: KindCancelled, Message: what + ": " + reason, cause: cause}
}

// invalidArgument is an error detected in Go before any C call.
func invalidArgument(msg string) *Error {
	return &Error{Kind: KindInvalidArgument, Message: msg}
}

package mindra

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Execution is a started workflow run: the server's answer to Run.
type Execution struct {
	// ExecutionID identifies the run; pass it to Stream, Approve and Reject.
	ExecutionID string
	// Status is the execution's status when it was started, such as "running".
	Status string
	// WorkflowSlug is the workflow's slug as the server reports it.
	WorkflowSlug string
	// WorkflowName is the workflow's display name.
	WorkflowName string
	// StreamURL is the stream's path as the server sent it; Stream accepts it as well as the
	// execution id.
	StreamURL string
	// ConversationID is the conversation the run belongs to; nil when the server sent null.
	ConversationID *string
	// CreatedAt is the creation time, parsed from CreatedAtRaw (RFC 3339); the zero Time when
	// the server's text does not parse.
	CreatedAt time.Time
	// CreatedAtRaw is the creation time exactly as the server sent it.
	CreatedAtRaw string
	// RequestID is the response's x-request-id header; "" when there was none.
	RequestID string
	// HTTPStatus is the status of the server's answer (200).
	HTTPStatus int
	// RawJSON is the whole response body, for fields added to the API later; nil when
	// libmindra did not provide it.
	RawJSON json.RawMessage
}

// Run starts the workflow slug with task and returns as soon as the server has accepted it;
// follow it with Stream(ctx, execution.ExecutionID), or use RunAndWait.
//
// metadata is sent as the run's metadata object. It may be:
//   - nil (or a value that marshals to JSON null, such as a nil map): no metadata;
//   - json.RawMessage or []byte: the JSON text of one object, sent exactly as written (key
//     order, whitespace and number spelling preserved);
//   - any other value that encoding/json marshals into an object, such as a map or a struct.
//
// Anything else (a number, a string, an array, invalid JSON) is an ErrInvalidMetadata error,
// reported before anything is sent. To send JSON text held in a string, convert it to
// json.RawMessage.
//
// Cancellation: the C call that sends the run cannot be interrupted once started. When ctx
// ends first, Run returns at once with an error matching both ErrCancelled and ctx.Err(),
// while the request finishes in the background, bounded by the client timeout (WithTimeout).
// The workflow may therefore still have been started on the server.
//
// Errors: ErrNotFound for an unknown workflow, ErrUnauthorized for a bad key,
// ErrRateLimited, ErrServer, ErrBadRequest, ErrTransport, ErrTimeout, ErrProtocol, and
// ErrInvalidArgument for an empty slug or task, one that is "." or "..", or a string holding
// a NUL byte. Run is safe for concurrent use.
func (c *Client) Run(ctx context.Context, slug, task string, metadata any) (*Execution, error) {
	if err := checkStrings("slug", slug, "task", task); err != nil {
		return nil, err
	}
	meta, err := encodeMetadata(metadata)
	if err != nil {
		return nil, err
	}
	exec, err := call(ctx, c, "running the workflow", func(h clientHandle) (*Execution, error) {
		return h.run(slug, task, meta)
	}, nil)
	if err != nil {
		return nil, err
	}
	if t, perr := time.Parse(time.RFC3339Nano, exec.CreatedAtRaw); perr == nil {
		exec.CreatedAt = t
	}
	return exec, nil
}

// encodeMetadata returns the JSON text of the metadata object, or nil for no metadata.
func encodeMetadata(metadata any) ([]byte, error) {
	var text []byte
	switch m := metadata.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		text = m
	case []byte:
		text = m
	default:
		b, err := json.Marshal(metadata)
		if err != nil {
			return nil, &Error{Kind: KindInvalidMetadata, Message: "encoding metadata: " + err.Error()}
		}
		text = b
	}
	trimmed := bytes.TrimSpace(text)
	switch {
	case len(trimmed) == 0 || string(trimmed) == "null":
		return nil, nil
	case !json.Valid(trimmed):
		return nil, &Error{Kind: KindInvalidMetadata, Message: "metadata is not valid JSON"}
	case trimmed[0] != '{':
		return nil, &Error{Kind: KindInvalidMetadata,
			Message: fmt.Sprintf("metadata must be a JSON object, not %s", jsonKind(trimmed[0]))}
	}
	// Verbatim: the caller's text, untouched (json.Valid guarantees it holds no NUL byte).
	return text, nil
}

func jsonKind(first byte) string {
	switch first {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	default:
		return "a number"
	}
}

// checkStrings refuses strings that C cannot carry (a NUL byte would cut them short) and
// required ones that are empty, given as name, value pairs.
func checkStrings(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		name, v := pairs[i], pairs[i+1]
		if v == "" {
			return invalidArgument(name + " is empty")
		}
		if strings.IndexByte(v, 0) >= 0 {
			return invalidArgument(name + " contains a NUL byte")
		}
	}
	return nil
}

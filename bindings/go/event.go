package mindra

import "encoding/json"

// Event is one event of a workflow's stream. Its dynamic type is one of Chunk, ToolExecuting,
// ToolResult, ApprovalRequest, Done or Other; use a type switch:
//
//	switch ev := ev.(type) {
//	case mindra.Chunk:
//		fmt.Print(ev.Content)
//	case mindra.ApprovalRequest:
//		err = client.Approve(ctx, executionID, ev.ApprovalID, "")
//	case mindra.Done:
//		fmt.Println(ev.FinalAnswer)
//	}
//
// Events are plain Go values copied out of libmindra's memory: keep them as long as needed.
// The set of types is closed (the interface has an unexported method); an event name this
// package does not know arrives as Other, so a new event kind never breaks a switch.
type Event interface {
	// Name returns the SSE event name as received ("chunk", "done", ...; "message" when the
	// server gave none).
	Name() string
	// Data returns the event's data field exactly as received (lines joined with "\n").
	Data() string
	// ID returns the stream's last event id; "" when the server sends none.
	ID() string

	isEvent()
}

// eventMeta holds what every event carries. It is embedded unexported so that the typed fields
// are the only ones a reader sees; Name, Data and ID give access to it.
type eventMeta struct {
	name, data, id string
}

// Data returns the event's data field exactly as received.
func (m eventMeta) Data() string { return m.data }

// ID returns the stream's last event id; "" when the server sends none.
func (m eventMeta) ID() string { return m.id }

func (eventMeta) isEvent() {}

func (m eventMeta) nameOr(def string) string {
	if m.name == "" {
		return def
	}
	return m.name
}

// Chunk is generated text ("chunk" event).
type Chunk struct {
	eventMeta
	// Content is the text.
	Content string
}

// Name returns "chunk".
func (e Chunk) Name() string { return e.nameOr("chunk") }

// ToolExecuting reports a tool being run ("tool_executing" event).
type ToolExecuting struct {
	eventMeta
	// ToolName is the tool's name.
	ToolName string
	// ToolInput is the JSON text of the tool's input exactly as the server sent it (a string
	// keeps its quotes, null is the text null).
	ToolInput json.RawMessage
}

// Name returns "tool_executing".
func (e ToolExecuting) Name() string { return e.nameOr("tool_executing") }

// ToolResult reports a tool's result ("tool_result" event).
type ToolResult struct {
	eventMeta
	// ToolName is the tool's name.
	ToolName string
	// Result is the result: the string itself when the server sent a JSON string, otherwise
	// its JSON text (a null result is the text null).
	Result string
}

// Name returns "tool_result".
func (e ToolResult) Name() string { return e.nameOr("tool_result") }

// ApprovalRequest reports a tool call that waits for a decision ("approval_request" event):
// the workflow pauses until Client.Approve or Client.Reject is called with ApprovalID.
type ApprovalRequest struct {
	eventMeta
	// ApprovalID is the id to pass to Client.Approve or Client.Reject.
	ApprovalID string
	// ToolName is the name of the tool that waits.
	ToolName string
	// ToolInput is the JSON text of the tool's input exactly as the server sent it.
	ToolInput json.RawMessage
}

// Name returns "approval_request".
func (e ApprovalRequest) Name() string { return e.nameOr("approval_request") }

// Done is the last event of a stream ("done" event).
type Done struct {
	eventMeta
	// ExecutionID is the execution that finished.
	ExecutionID string
	// Status is its final status, such as "completed" or "failed".
	Status string
	// FinalAnswer is the workflow's final answer.
	FinalAnswer string
}

// Name returns "done".
func (e Done) Name() string { return e.nameOr("done") }

// Other is an event whose name this package does not know (a "heartbeat", or a kind added
// to the API later): Name and Data say everything that arrived.
type Other struct {
	eventMeta
}

// Name returns the event's name as received.
func (e Other) Name() string { return e.name }

// Compile-time checks that every event type implements Event.
var (
	_ Event = Chunk{}
	_ Event = ToolExecuting{}
	_ Event = ToolResult{}
	_ Event = ApprovalRequest{}
	_ Event = Done{}
	_ Event = Other{}
)

package mindra

// All cgo glue lives in this file: it is the only file that calls C or names a C type (the
// link_*.go files import "C" only for their linker directives), so every C type stays
// unexported and every other file is plain Go. The rules it keeps:
//
//   - No Go pointer is stored in C memory. The only Go pointers passed to C are the addresses of
//     local *C.MindraError variables (error_out), which hold no Go pointers and which C fills
//     with a C pointer before returning.
//   - Every string passed in is a C.CString copy freed with a deferred C.free (libmindra copies
//     its inputs, so freeing right after the call is allowed).
//   - Every string coming out is copied with C.GoString before the C struct that owns it is
//     freed; no Go value ever points into C memory.
//   - The handles here are plain values; the Go objects that own them (*Client, *Stream) call
//     runtime.KeepAlive on themselves after each C call so that their leak-backstop cleanup
//     cannot free a handle while C is using it.

// How libmindra is linked is chosen by build tags, in link_local.go (default: the static
// library of this checkout) and link_pkgconfig.go; see README.md.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#include <stdlib.h>
#include "mindra.h"
*/
import "C"

import (
	"encoding/json"
	"time"
	"unsafe"
)

// Header and library versions, for the version check in tests and Version.
const (
	headerVersionMajor = C.MINDRA_VERSION_MAJOR
	headerVersionMinor = C.MINDRA_VERSION_MINOR
	headerVersionPatch = C.MINDRA_VERSION_PATCH
)

func cVersion() string { return C.GoString(C.mindra_version()) }

func cKindName(kind int32) string { return C.GoString(C.mindra_error_kind_name(C.int32_t(kind))) }

// cString returns a C copy of s, or NULL when present is false. Free it with freeCString.
func cString(s string, present bool) *C.char {
	if !present {
		return nil
	}
	return C.CString(s)
}

func freeCString(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
	}
}

// goString copies a C string that may be NULL.
func goString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// goStringPtr copies a C string, keeping NULL as nil.
func goStringPtr(p *C.char) *string {
	if p == nil {
		return nil
	}
	s := C.GoString(p)
	return &s
}

// goRawJSON copies a C string of JSON text, keeping NULL as nil.
func goRawJSON(p *C.char) json.RawMessage {
	if p == nil {
		return nil
	}
	return json.RawMessage(C.GoString(p))
}

// takeError converts an owned MindraError into an *Error and frees it. NULL (no details were
// given) becomes an error of the given kind with a generic message.
func takeError(e *C.MindraError, kind C.enum_MindraErrorKind) *Error {
	if e == nil {
		k := ErrorKind(kind)
		return &Error{Kind: k, Message: k.String()}
	}
	defer C.mindra_error_free(e)
	return &Error{
		Kind:       ErrorKind(e.kind),
		HTTPStatus: int(e.http_status),
		Message:    goString(e.message),
		Code:       goString(e.code),
		RequestID:  goString(e.request_id),
	}
}

// clientHandle is a MindraClient owned by a *Client.
type clientHandle struct{ p *C.MindraClient }

func newClientHandle(apiKey, baseURL *string) (clientHandle, error) {
	key := cString(deref(apiKey), apiKey != nil)
	defer freeCString(key)
	url := cString(deref(baseURL), baseURL != nil)
	defer freeCString(url)
	var cerr *C.MindraError
	p := C.mindra_client_new(key, url, &cerr)
	if p == nil {
		return clientHandle{}, takeError(cerr, C.MINDRA_ERR_CONFIG)
	}
	if cerr != nil { // not expected on success; never leak it
		C.mindra_error_free(cerr)
	}
	return clientHandle{p}, nil
}

func (h clientHandle) setTimeout(d time.Duration) error {
	ms := uint64(d / time.Millisecond)
	if d > 0 && ms == 0 {
		ms = 1 // 0 would mean "no timeout"
	}
	return kindError(C.mindra_client_set_timeout_ms(h.p, C.uint64_t(ms)), "setting the timeout")
}

func (h clientHandle) setMaxRetries(n uint32) error {
	return kindError(C.mindra_client_set_max_retries(h.p, C.uint32_t(n)), "setting max retries")
}

func (h clientHandle) setMaxReconnects(n uint32) error {
	return kindError(C.mindra_client_set_max_reconnects(h.p, C.uint32_t(n)), "setting max reconnects")
}

func kindError(kind C.enum_MindraErrorKind, what string) error {
	if kind == C.MINDRA_OK {
		return nil
	}
	return &Error{Kind: ErrorKind(kind), Message: what + " failed: " + ErrorKind(kind).String()}
}

func (h clientHandle) free() {
	C.mindra_client_free(h.p)
}

// run starts a workflow. metadata is nil (send {}) or the JSON text of one object.
func (h clientHandle) run(slug, task string, metadata []byte) (*Execution, error) {
	cslug := C.CString(slug)
	defer C.free(unsafe.Pointer(cslug))
	ctask := C.CString(task)
	defer C.free(unsafe.Pointer(ctask))
	cmeta := cString(string(metadata), metadata != nil)
	defer freeCString(cmeta)

	gcHook()
	r := C.mindra_client_run_workflow(h.p, cslug, ctask, cmeta)
	defer C.mindra_run_result_free(r)
	if r.error != C.MINDRA_OK {
		return nil, &Error{
			Kind:       ErrorKind(r.error),
			HTTPStatus: int(r.http_status),
			Message:    goString(r.error_message),
			Code:       goString(r.error_code),
			RequestID:  goString(r.request_id),
		}
	}
	e := &Execution{
		ExecutionID:    goString(r.execution_id),
		Status:         goString(r.status),
		WorkflowSlug:   goString(r.workflow_slug),
		WorkflowName:   goString(r.workflow_name),
		StreamURL:      goString(r.stream_url),
		ConversationID: goStringPtr(r.conversation_id),
		CreatedAtRaw:   goString(r.created_at),
		RequestID:      goString(r.request_id),
		HTTPStatus:     int(r.http_status),
		RawJSON:        goRawJSON(r.raw_json),
	}
	return e, nil
}

// decide approves (reject false) or rejects a paused tool call. reason "" sends no reason.
func (h clientHandle) decide(reject bool, executionID, approvalID, reason string) error {
	cexec := C.CString(executionID)
	defer C.free(unsafe.Pointer(cexec))
	capp := C.CString(approvalID)
	defer C.free(unsafe.Pointer(capp))
	creason := cString(reason, reason != "")
	defer freeCString(creason)

	var cerr *C.MindraError
	var kind C.enum_MindraErrorKind
	gcHook()
	if reject {
		kind = C.mindra_reject(h.p, cexec, capp, creason, &cerr)
	} else {
		kind = C.mindra_approve(h.p, cexec, capp, creason, &cerr)
	}
	if kind != C.MINDRA_OK {
		return takeError(cerr, kind)
	}
	if cerr != nil {
		C.mindra_error_free(cerr)
	}
	return nil
}

// streamHandle is a MindraStream owned by a *Stream.
type streamHandle struct{ p *C.MindraStream }

func (h clientHandle) openStream(target string) (streamHandle, error) {
	ctarget := C.CString(target)
	defer C.free(unsafe.Pointer(ctarget))
	var cerr *C.MindraError
	gcHook()
	p := C.mindra_stream_open(h.p, ctarget, &cerr)
	if p == nil {
		return streamHandle{}, takeError(cerr, C.MINDRA_ERR_INTERNAL)
	}
	if cerr != nil {
		C.mindra_error_free(cerr)
	}
	return streamHandle{p}, nil
}

// next blocks for the next event. It returns (nil, nil) once the stream has ended after done.
func (h streamHandle) next() (Event, *Error) {
	var cerr *C.MindraError
	gcHook()
	ev := C.mindra_stream_next(h.p, &cerr)
	if ev == nil {
		if cerr == nil {
			return nil, nil
		}
		return nil, takeError(cerr, C.MINDRA_ERR_INTERNAL)
	}
	if cerr != nil {
		C.mindra_error_free(cerr)
	}
	defer C.mindra_event_free(ev)
	return convertEvent(ev), nil
}

// convertEvent copies a MindraEvent into its Go event type.
func convertEvent(ev *C.MindraEvent) Event {
	m := eventMeta{name: goString(ev.event), data: goString(ev.data), id: goString(ev.id)}
	switch ev._type {
	case C.MINDRA_EVENT_CHUNK:
		return Chunk{eventMeta: m, Content: goString(ev.content)}
	case C.MINDRA_EVENT_TOOL_EXECUTING:
		return ToolExecuting{eventMeta: m, ToolName: goString(ev.tool_name), ToolInput: goRawJSON(ev.tool_input)}
	case C.MINDRA_EVENT_TOOL_RESULT:
		return ToolResult{eventMeta: m, ToolName: goString(ev.tool_name), Result: goString(ev.result)}
	case C.MINDRA_EVENT_APPROVAL_REQUEST:
		return ApprovalRequest{
			eventMeta:  m,
			ApprovalID: goString(ev.approval_id),
			ToolName:   goString(ev.tool_name),
			ToolInput:  goRawJSON(ev.tool_input),
		}
	case C.MINDRA_EVENT_DONE:
		return Done{
			eventMeta:   m,
			ExecutionID: goString(ev.execution_id),
			Status:      goString(ev.status),
			FinalAnswer: goString(ev.final_answer),
		}
	default: // MINDRA_EVENT_OTHER and any type appended to the enum later
		return Other{eventMeta: m}
	}
}

// cancel makes a blocked next return promptly with MINDRA_ERR_CANCELLED. Safe from any
// goroutine while the stream is not freed.
func (h streamHandle) cancel() { C.mindra_stream_cancel(h.p) }

func (h streamHandle) free() {
	C.mindra_stream_free(h.p)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

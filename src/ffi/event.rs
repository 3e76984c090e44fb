//! `MindraEvent`, `MindraEventType` and `mindra_event_free`.

use super::{free_c_string, guard, owned_c_string_from, owned_c_string_from_opt};
use crate::event::{Event, EventKind};
use std::ffi::c_char;
use std::ptr::null_mut;

/// The kind of a stream event, from its SSE event name. Values are fixed; new ones are
/// appended.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MindraEventType {
    /// Any event name not listed below; see `event` and `data`.
    MINDRA_EVENT_OTHER = 0,
    /// `chunk`: generated text in `content`.
    MINDRA_EVENT_CHUNK = 1,
    /// `tool_executing`: `tool_name`, `tool_input`.
    MINDRA_EVENT_TOOL_EXECUTING = 2,
    /// `tool_result`: `tool_name`, `result`.
    MINDRA_EVENT_TOOL_RESULT = 3,
    /// `approval_request`: `approval_id`, `tool_name`, `tool_input`; the workflow pauses until
    /// `mindra_approve` or `mindra_reject`.
    MINDRA_EVENT_APPROVAL_REQUEST = 4,
    /// `done`: `execution_id`, `status`, `final_answer`; the last event of a stream.
    MINDRA_EVENT_DONE = 5,
}

/// One event of a workflow's stream. Returned owned by `mindra_stream_next`; release it with
/// `mindra_event_free`. Its strings belong to it. Every field not carried by this event is
/// NULL.
#[repr(C)]
pub struct MindraEvent {
    /// The event's kind.
    pub r#type: MindraEventType,
    /// The SSE event name as received (`"message"` when none was given). Never NULL.
    pub event: *mut c_char,
    /// The data field exactly as received (lines joined with "\n"). Never NULL.
    pub data: *mut c_char,
    /// The stream's last event id, or NULL when it is empty.
    pub id: *mut c_char,
    /// chunk: the text.
    pub content: *mut c_char,
    /// tool_executing, tool_result, approval_request: the tool's name.
    pub tool_name: *mut c_char,
    /// tool_executing, approval_request: the JSON text of `tool_input` exactly as it appears in
    /// `data` (a string keeps its quotes, `null` is the text `null`), without surrounding
    /// whitespace.
    pub tool_input: *mut c_char,
    /// tool_result: the string itself when the result is a JSON string, otherwise its JSON
    /// text as it appears in `data`.
    pub result: *mut c_char,
    /// approval_request: the id to pass to `mindra_approve` / `mindra_reject`.
    pub approval_id: *mut c_char,
    /// done: the execution that finished.
    pub execution_id: *mut c_char,
    /// done: its final status (such as `"completed"`).
    pub status: *mut c_char,
    /// done: the final answer.
    pub final_answer: *mut c_char,
}

impl MindraEvent {
    /// Converts an event into the owned C struct `mindra_stream_next` hands out; release it
    /// with `mindra_event_free`.
    pub fn boxed(event: Event) -> *mut MindraEvent {
        // Every string is moved, not copied: streaming cost is dominated by per-event work.
        let mut out = MindraEvent {
            r#type: MindraEventType::MINDRA_EVENT_OTHER,
            event: owned_c_string_from(event.name),
            data: owned_c_string_from(event.data),
            id: owned_c_string_from_opt(event.id),
            content: null_mut(),
            tool_name: null_mut(),
            tool_input: null_mut(),
            result: null_mut(),
            approval_id: null_mut(),
            execution_id: null_mut(),
            status: null_mut(),
            final_answer: null_mut(),
        };
        match event.kind {
            EventKind::Chunk { content } => {
                out.r#type = MindraEventType::MINDRA_EVENT_CHUNK;
                out.content = owned_c_string_from(content);
            }
            EventKind::ToolExecuting {
                tool_name,
                tool_input,
            } => {
                out.r#type = MindraEventType::MINDRA_EVENT_TOOL_EXECUTING;
                out.tool_name = owned_c_string_from(tool_name);
                out.tool_input = owned_c_string_from_opt(tool_input);
            }
            EventKind::ToolResult { tool_name, result } => {
                out.r#type = MindraEventType::MINDRA_EVENT_TOOL_RESULT;
                out.tool_name = owned_c_string_from(tool_name);
                out.result = owned_c_string_from_opt(result);
            }
            EventKind::ApprovalRequest {
                approval_id,
                tool_name,
                tool_input,
            } => {
                out.r#type = MindraEventType::MINDRA_EVENT_APPROVAL_REQUEST;
                out.approval_id = owned_c_string_from(approval_id);
                out.tool_name = owned_c_string_from_opt(tool_name);
                out.tool_input = owned_c_string_from_opt(tool_input);
            }
            EventKind::Done {
                execution_id,
                status,
                final_answer,
            } => {
                out.r#type = MindraEventType::MINDRA_EVENT_DONE;
                out.execution_id = owned_c_string_from_opt(execution_id);
                out.status = owned_c_string_from_opt(status);
                out.final_answer = owned_c_string_from_opt(final_answer);
            }
            EventKind::Other => {}
        }
        Box::into_raw(Box::new(out))
    }
}

/// Releases an event and its strings. NULL is ignored; freeing twice is undefined behaviour
/// (not detected).
///
/// # Safety
/// `event` is NULL or an event from `mindra_stream_next` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mindra_event_free(event: *mut MindraEvent) {
    guard(
        || (),
        || {
            if event.is_null() {
                return;
            }
            let event = Box::from_raw(event);
            for text in [
                event.event,
                event.data,
                event.id,
                event.content,
                event.tool_name,
                event.tool_input,
                event.result,
                event.approval_id,
                event.execution_id,
                event.status,
                event.final_answer,
            ] {
                free_c_string(text);
            }
        },
    )
}

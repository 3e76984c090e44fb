//! `MindraEvent`, `MindraEventType` and `mindra_event_free`.

use super::guard;
use crate::event::{Event, EventView};
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
    ///
    /// The struct and all its strings live in one `malloc` block (struct first, then each
    /// string with its NUL), so handing over an event costs one allocation and freeing it one
    /// `free`: per-event work is what bounds a stream's throughput.
    pub fn boxed(event: Event) -> *mut MindraEvent {
        MindraEvent::from_view(
            &event.name,
            &event.data,
            event.id.as_deref(),
            event.kind.view(),
        )
    }

    /// As [`MindraEvent::boxed`], from an event's SSE fields and a borrowed view of its typed
    /// fields: what `mindra_stream_next` uses, so no field is copied twice.
    pub fn from_view(
        name: &str,
        data: &str,
        id: Option<&str>,
        view: EventView<'_>,
    ) -> *mut MindraEvent {
        let (event_type, fields) = match &view {
            EventView::Chunk { content } => (
                MindraEventType::MINDRA_EVENT_CHUNK,
                [Some(&**content), None, None, None, None, None, None, None],
            ),
            EventView::ToolExecuting {
                tool_name,
                tool_input,
            } => (
                MindraEventType::MINDRA_EVENT_TOOL_EXECUTING,
                [
                    None,
                    Some(&**tool_name),
                    *tool_input,
                    None,
                    None,
                    None,
                    None,
                    None,
                ],
            ),
            EventView::ToolResult { tool_name, result } => (
                MindraEventType::MINDRA_EVENT_TOOL_RESULT,
                [
                    None,
                    Some(&**tool_name),
                    None,
                    result.as_deref(),
                    None,
                    None,
                    None,
                    None,
                ],
            ),
            EventView::ApprovalRequest {
                approval_id,
                tool_name,
                tool_input,
            } => (
                MindraEventType::MINDRA_EVENT_APPROVAL_REQUEST,
                [
                    None,
                    tool_name.as_deref(),
                    *tool_input,
                    None,
                    Some(&**approval_id),
                    None,
                    None,
                    None,
                ],
            ),
            EventView::Done {
                execution_id,
                status,
                final_answer,
            } => (
                MindraEventType::MINDRA_EVENT_DONE,
                [
                    None,
                    None,
                    None,
                    None,
                    None,
                    execution_id.as_deref(),
                    status.as_deref(),
                    final_answer.as_deref(),
                ],
            ),
            EventView::Other => (MindraEventType::MINDRA_EVENT_OTHER, [None; 8]),
        };
        // event, data, id, then the eight typed fields in struct order.
        let [c0, c1, c2, c3, c4, c5, c6, c7] = fields;
        let texts: [Option<&str>; 11] =
            [Some(name), Some(data), id, c0, c1, c2, c3, c4, c5, c6, c7];
        // The typed fields are mostly slices of `data`: a slice of a NUL-free text needs no scan.
        let data_nuls = count_nuls(data);
        let data_range = data.as_bytes().as_ptr_range();
        let nuls = texts.map(|text| match text {
            None => 0,
            Some(text) if data_nuls == 0 && is_within(text, &data_range) => 0,
            Some(text) => count_nuls(text),
        });
        let strings_len: usize = texts
            .iter()
            .zip(nuls)
            .filter_map(|(text, nuls)| text.map(|text| c_len(text, nuls)))
            .sum();
        let header = std::mem::size_of::<MindraEvent>();
        // SAFETY: malloc'd memory is aligned for any type; the block is sized for the struct and
        // every string with its NUL (c_len), and copy_c_string writes exactly c_len bytes.
        unsafe {
            let block = libc::malloc(header + strings_len).cast::<u8>();
            if block.is_null() {
                std::alloc::handle_alloc_error(std::alloc::Layout::from_size_align_unchecked(
                    header + strings_len,
                    std::mem::align_of::<MindraEvent>(),
                ));
            }
            let mut cursor = block.add(header);
            let mut pointers = [null_mut::<c_char>(); 11];
            for ((pointer, text), nuls) in pointers.iter_mut().zip(texts).zip(nuls) {
                if let Some(text) = text {
                    *pointer = cursor.cast();
                    cursor = copy_c_string(text, nuls, cursor);
                }
            }
            let [event, data, id, content, tool_name, tool_input, result, approval_id, execution_id, status, final_answer] =
                pointers;
            block.cast::<MindraEvent>().write(MindraEvent {
                r#type: event_type,
                event,
                data,
                id,
                content,
                tool_name,
                tool_input,
                result,
                approval_id,
                execution_id,
                status,
                final_answer,
            });
            block.cast()
        }
    }
}

/// C strings cannot carry NUL (JSON can, as `\u0000`): it becomes U+FFFD (three bytes) rather
/// than silently cutting the text short.
const NUL_REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

fn count_nuls(text: &str) -> usize {
    // Almost no text has a NUL: a memchr scan answers that fastest.
    if text.as_bytes().contains(&0) {
        text.bytes().filter(|&b| b == 0).count()
    } else {
        0
    }
}

/// `text` lies inside the bytes of `range`.
fn is_within(text: &str, range: &std::ops::Range<*const u8>) -> bool {
    let text = text.as_bytes().as_ptr_range();
    range.start <= text.start && text.end <= range.end
}

/// Bytes `text`, holding `nuls` NULs, takes as a C string: NULs replaced, plus the final NUL.
fn c_len(text: &str, nuls: usize) -> usize {
    text.len() + nuls * (NUL_REPLACEMENT.len() - 1) + 1
}

/// Writes `text`, holding `nuls` NULs, as a C string at `to` (see [`c_len`]) and returns the
/// byte after its NUL.
///
/// # Safety
/// `to` is valid for `c_len(text, nuls)` bytes of writes.
unsafe fn copy_c_string(text: &str, nuls: usize, mut to: *mut u8) -> *mut u8 {
    if nuls == 0 {
        std::ptr::copy_nonoverlapping(text.as_ptr(), to, text.len());
        *to.add(text.len()) = 0;
        return to.add(text.len() + 1);
    }
    let mut pieces = text.as_bytes().split(|&b| b == 0);
    if let Some(first) = pieces.next() {
        std::ptr::copy_nonoverlapping(first.as_ptr(), to, first.len());
        to = to.add(first.len());
    }
    for piece in pieces {
        std::ptr::copy_nonoverlapping(NUL_REPLACEMENT.as_ptr(), to, NUL_REPLACEMENT.len());
        to = to.add(NUL_REPLACEMENT.len());
        std::ptr::copy_nonoverlapping(piece.as_ptr(), to, piece.len());
        to = to.add(piece.len());
    }
    *to = 0;
    to.add(1)
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
            // The struct and its strings are one malloc block (see MindraEvent::boxed).
            libc::free(event.cast());
        },
    )
}

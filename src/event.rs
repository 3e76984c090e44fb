//! Typed workflow events, decoded from the SSE events of a stream.

use crate::error::{Error, ErrorKind, Result};
use crate::sse::{SseEvent, SseEventRef};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// What an event says, by its SSE event name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// `chunk`: a piece of generated text.
    Chunk {
        /// The text.
        content: String,
    },
    /// `tool_executing`: the workflow calls a tool.
    ToolExecuting {
        /// The tool's name.
        tool_name: String,
        /// The JSON text of `tool_input` exactly as it appears in the data; `None` if absent.
        tool_input: Option<String>,
    },
    /// `tool_result`: a tool call's result.
    ToolResult {
        /// The tool's name.
        tool_name: String,
        /// The result: the string itself when it is a JSON string, otherwise its JSON text as
        /// it appears in the data (`null` stays the text `null`); `None` if absent.
        result: Option<String>,
    },
    /// `approval_request`: the workflow pauses until this approval is approved or rejected.
    ApprovalRequest {
        /// The id to pass to [`crate::Client::approve`] or [`crate::Client::reject`].
        approval_id: String,
        /// The tool waiting for approval.
        tool_name: Option<String>,
        /// The JSON text of `tool_input` exactly as it appears in the data.
        tool_input: Option<String>,
    },
    /// `done`: the workflow finished; the last event of a stream.
    Done {
        /// The execution that finished.
        execution_id: Option<String>,
        /// Its final status (such as `completed` or `failed`).
        status: Option<String>,
        /// The final answer; `None` when the server sent none or `null`.
        final_answer: Option<String>,
    },
    /// Any other event name; see [`Event::name`] and [`Event::data`].
    Other,
}

/// One event of a workflow's stream: the SSE fields as received and their typed meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The SSE event name as received (`message` when none was given).
    pub name: String,
    /// The data field exactly as received (lines joined with `\n`).
    pub data: String,
    /// The stream's last event id at this event, or `None` when it is empty.
    pub id: Option<String>,
    /// The typed payload.
    pub kind: EventKind,
}

impl Event {
    /// True for the `done` event.
    pub fn is_done(&self) -> bool {
        matches!(self.kind, EventKind::Done { .. })
    }
}

/// What an event says, borrowed from its data where the JSON allows (strings without escapes,
/// raw JSON text): the zero-copy twin of [`EventKind`], for consumers that copy the fields
/// elsewhere at once (the C API does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventView<'a> {
    /// See [`EventKind::Chunk`].
    Chunk {
        /// The text.
        content: Cow<'a, str>,
    },
    /// See [`EventKind::ToolExecuting`].
    ToolExecuting {
        /// The tool's name.
        tool_name: Cow<'a, str>,
        /// The JSON text of `tool_input`.
        tool_input: Option<&'a str>,
    },
    /// See [`EventKind::ToolResult`].
    ToolResult {
        /// The tool's name.
        tool_name: Cow<'a, str>,
        /// The result string, or its JSON text.
        result: Option<Cow<'a, str>>,
    },
    /// See [`EventKind::ApprovalRequest`].
    ApprovalRequest {
        /// The approval's id.
        approval_id: Cow<'a, str>,
        /// The tool waiting for approval.
        tool_name: Option<Cow<'a, str>>,
        /// The JSON text of `tool_input`.
        tool_input: Option<&'a str>,
    },
    /// See [`EventKind::Done`].
    Done {
        /// The execution that finished.
        execution_id: Option<Cow<'a, str>>,
        /// Its final status.
        status: Option<Cow<'a, str>>,
        /// The final answer.
        final_answer: Option<Cow<'a, str>>,
    },
    /// See [`EventKind::Other`].
    Other,
}

#[derive(Deserialize)]
struct ChunkData<'a> {
    #[serde(borrow)]
    content: Cow<'a, str>,
}

#[derive(Deserialize)]
struct ToolData<'a> {
    #[serde(borrow)]
    tool_name: Cow<'a, str>,
    #[serde(borrow, default)]
    tool_input: Option<&'a RawValue>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ApprovalData<'a> {
    #[serde(borrow)]
    approval_id: Cow<'a, str>,
    #[serde(borrow, default)]
    tool_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tool_input: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct DoneData<'a> {
    #[serde(borrow, default)]
    execution_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    final_answer: Option<Cow<'a, str>>,
}

impl<'a> EventView<'a> {
    /// Decodes the data of the documented event names; other names are [`EventView::Other`].
    /// A documented event whose data is not the documented JSON object is
    /// [`ErrorKind::Protocol`].
    pub fn decode(name: &str, data: &'a str) -> Result<EventView<'a>> {
        let bad = |error: serde_json::Error| {
            Error::new(
                ErrorKind::Protocol,
                format!(
                    "the data of a \"{name}\" event is not the documented JSON object: {error}"
                ),
            )
        };
        // A field written as JSON null is the text "null", not absent (see null_if_present).
        let raw = |value: Option<&'a RawValue>, field: &str| {
            value
                .map(RawValue::get)
                .or_else(|| null_if_present(data, field))
        };
        Ok(match name {
            "chunk" => {
                let fields: ChunkData = serde_json::from_str(data).map_err(bad)?;
                EventView::Chunk {
                    content: fields.content,
                }
            }
            "tool_executing" => {
                let fields: ToolData = serde_json::from_str(data).map_err(bad)?;
                EventView::ToolExecuting {
                    tool_name: fields.tool_name,
                    tool_input: raw(fields.tool_input, "tool_input"),
                }
            }
            "tool_result" => {
                let fields: ToolData = serde_json::from_str(data).map_err(bad)?;
                let result = match fields.result {
                    Some(value) if value.get().starts_with('"') => {
                        Some(match serde_json::from_str::<&'a str>(value.get()) {
                            Ok(text) => Cow::Borrowed(text),
                            // Escapes in the string: it has to be decoded into a copy.
                            Err(_) => Cow::Owned(
                                serde_json::from_str::<String>(value.get()).map_err(bad)?,
                            ),
                        })
                    }
                    other => raw(other, "result").map(Cow::Borrowed),
                };
                EventView::ToolResult {
                    tool_name: fields.tool_name,
                    result,
                }
            }
            "approval_request" => {
                let fields: ApprovalData = serde_json::from_str(data).map_err(bad)?;
                EventView::ApprovalRequest {
                    approval_id: fields.approval_id,
                    tool_name: fields.tool_name,
                    tool_input: raw(fields.tool_input, "tool_input"),
                }
            }
            "done" => {
                let fields: DoneData = serde_json::from_str(data).map_err(bad)?;
                EventView::Done {
                    execution_id: fields.execution_id,
                    status: fields.status,
                    final_answer: fields.final_answer,
                }
            }
            _ => EventView::Other,
        })
    }

    /// The owned [`EventKind`] with the same fields.
    pub fn into_kind(self) -> EventKind {
        let own = |text: Cow<'_, str>| text.into_owned();
        match self {
            EventView::Chunk { content } => EventKind::Chunk {
                content: own(content),
            },
            EventView::ToolExecuting {
                tool_name,
                tool_input,
            } => EventKind::ToolExecuting {
                tool_name: own(tool_name),
                tool_input: tool_input.map(str::to_string),
            },
            EventView::ToolResult { tool_name, result } => EventKind::ToolResult {
                tool_name: own(tool_name),
                result: result.map(own),
            },
            EventView::ApprovalRequest {
                approval_id,
                tool_name,
                tool_input,
            } => EventKind::ApprovalRequest {
                approval_id: own(approval_id),
                tool_name: tool_name.map(own),
                tool_input: tool_input.map(str::to_string),
            },
            EventView::Done {
                execution_id,
                status,
                final_answer,
            } => EventKind::Done {
                execution_id: execution_id.map(own),
                status: status.map(own),
                final_answer: final_answer.map(own),
            },
            EventView::Other => EventKind::Other,
        }
    }
}

impl EventKind {
    /// A borrowed view of the same fields.
    pub fn view(&self) -> EventView<'_> {
        fn b(text: &String) -> Cow<'_, str> {
            Cow::Borrowed(text.as_str())
        }
        match self {
            EventKind::Chunk { content } => EventView::Chunk {
                content: b(content),
            },
            EventKind::ToolExecuting {
                tool_name,
                tool_input,
            } => EventView::ToolExecuting {
                tool_name: b(tool_name),
                tool_input: tool_input.as_deref(),
            },
            EventKind::ToolResult { tool_name, result } => EventView::ToolResult {
                tool_name: b(tool_name),
                result: result.as_ref().map(b),
            },
            EventKind::ApprovalRequest {
                approval_id,
                tool_name,
                tool_input,
            } => EventView::ApprovalRequest {
                approval_id: b(approval_id),
                tool_name: tool_name.as_ref().map(b),
                tool_input: tool_input.as_deref(),
            },
            EventKind::Done {
                execution_id,
                status,
                final_answer,
            } => EventView::Done {
                execution_id: execution_id.as_ref().map(b),
                status: status.as_ref().map(b),
                final_answer: final_answer.as_ref().map(b),
            },
            EventKind::Other => EventView::Other,
        }
    }
}

impl Event {
    /// An owned event from a borrowed SSE event and the view [`EventView::decode`] gave for it.
    pub fn from_view(sse: SseEventRef<'_>, view: EventView<'_>) -> Event {
        Event {
            name: sse.event.to_owned(),
            data: sse.data.to_owned(),
            id: sse.id.map(str::to_owned),
            kind: view.into_kind(),
        }
    }
}

impl TryFrom<SseEvent> for Event {
    type Error = Error;

    /// Decodes the data of the documented event names (see [`EventView::decode`]).
    fn try_from(sse: SseEvent) -> Result<Event> {
        let kind = EventView::decode(&sse.event, &sse.data)?.into_kind();
        Ok(Event {
            name: sse.event,
            data: sse.data,
            id: sse.id,
            kind,
        })
    }
}

/// serde maps a JSON `null` to `None` even for `Option<&RawValue>`; the contract wants the
/// text `null` when the server wrote `null`, and NULL only when the field is absent.
fn null_if_present<'a>(data: &'a str, field: &str) -> Option<&'a str> {
    #[derive(Deserialize)]
    struct Probe<'a>(#[serde(borrow)] std::collections::BTreeMap<&'a str, &'a RawValue>);
    let probe: Probe = serde_json::from_str(data).ok()?;
    probe.0.get(field).map(|raw| raw.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(event: &str, data: &str) -> Result<Event> {
        Event::try_from(SseEvent {
            event: event.to_string(),
            data: data.to_string(),
            id: Some("7".to_string()),
        })
    }

    #[test]
    fn documented_events_decode_their_fields() {
        let chunk = decode("chunk", r#"{"content":"Hel\nlo"}"#).unwrap();
        assert_eq!(
            chunk.kind,
            EventKind::Chunk {
                content: "Hel\nlo".into()
            }
        );
        assert_eq!(chunk.id.as_deref(), Some("7"));

        let tool = decode(
            "tool_executing",
            r#"{"tool_name":"search","tool_input": {"q" : [1, 2]} }"#,
        )
        .unwrap();
        assert_eq!(
            tool.kind,
            EventKind::ToolExecuting {
                tool_name: "search".into(),
                tool_input: Some(r#"{"q" : [1, 2]}"#.into())
            }
        );
        let string_input = decode(
            "tool_executing",
            r#"{"tool_name":"t","tool_input":"quoted"}"#,
        )
        .unwrap();
        assert_eq!(
            string_input.kind,
            EventKind::ToolExecuting {
                tool_name: "t".into(),
                tool_input: Some("\"quoted\"".into())
            }
        );
    }

    #[test]
    fn tool_results_keep_strings_and_json_text() {
        let cases = [
            (r#"{"tool_name":"t","result":"42 \"x\""}"#, Some("42 \"x\"")),
            (
                r#"{"tool_name":"t","result": {"a":1} }"#,
                Some(r#"{"a":1}"#),
            ),
            (r#"{"tool_name":"t","result":null}"#, Some("null")),
            (r#"{"tool_name":"t","result":12.50}"#, Some("12.50")),
            (r#"{"tool_name":"t"}"#, None),
        ];
        for (data, expected) in cases {
            let event = decode("tool_result", data).unwrap();
            assert_eq!(
                event.kind,
                EventKind::ToolResult {
                    tool_name: "t".into(),
                    result: expected.map(String::from)
                },
                "{data}"
            );
        }
        let null_input =
            decode("tool_executing", r#"{"tool_name":"t","tool_input":null}"#).unwrap();
        assert_eq!(
            null_input.kind,
            EventKind::ToolExecuting {
                tool_name: "t".into(),
                tool_input: Some("null".into())
            }
        );
    }

    #[test]
    fn approval_and_done_decode() {
        let approval = decode(
            "approval_request",
            r#"{"approval_id":"ap_1","tool_name":"send_email","tool_input":{"to":"a@b"}}"#,
        )
        .unwrap();
        assert_eq!(
            approval.kind,
            EventKind::ApprovalRequest {
                approval_id: "ap_1".into(),
                tool_name: Some("send_email".into()),
                tool_input: Some(r#"{"to":"a@b"}"#.into())
            }
        );
        let done = decode(
            "done",
            r#"{"execution_id":"e","status":"completed","final_answer":"ok"}"#,
        )
        .unwrap();
        assert!(done.is_done());
        assert_eq!(
            done.kind,
            EventKind::Done {
                execution_id: Some("e".into()),
                status: Some("completed".into()),
                final_answer: Some("ok".into())
            }
        );
    }

    #[test]
    fn unknown_names_are_other_and_bad_data_is_protocol() {
        let other = decode("heartbeat", "{}").unwrap();
        assert_eq!(other.kind, EventKind::Other);
        assert_eq!(
            (other.name.as_str(), other.data.as_str()),
            ("heartbeat", "{}")
        );
        let message = decode("message", "plain text").unwrap();
        assert_eq!(message.kind, EventKind::Other);
        for (name, data) in [
            ("chunk", "not json"),
            ("chunk", r#"{"content":5}"#),
            ("chunk", "{}"),
            ("tool_executing", r#"{"tool_input":{}}"#),
            ("approval_request", r#"{"tool_name":"x"}"#),
            ("done", "[1]"),
        ] {
            assert_eq!(
                decode(name, data).unwrap_err().kind(),
                ErrorKind::Protocol,
                "{name} {data}"
            );
        }
    }
}

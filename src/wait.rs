//! Running a workflow to its end: start it, stream it, answer its approval requests, and
//! collect what it said.

use crate::approval::Decision;
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Event, EventKind};
use crate::run::Execution;

/// One tool call seen on the stream, with its result when one arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// The tool's name.
    pub tool_name: String,
    /// The JSON text of its input, as sent.
    pub tool_input: Option<String>,
    /// Its result (see [`EventKind::ToolResult`]), or `None` if none arrived.
    pub result: Option<String>,
}

/// Everything a finished workflow said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    /// The started execution.
    pub execution: Execution,
    /// Every chunk's content, concatenated in order.
    pub text: String,
    /// The tool calls, in order.
    pub tool_calls: Vec<ToolCall>,
    /// The `done` event's status.
    pub status: Option<String>,
    /// The `done` event's final answer.
    pub final_answer: Option<String>,
    /// How many events the stream delivered (including `done`).
    pub event_count: usize,
}

impl Client {
    /// Starts `slug`, streams it to its `done` event and returns what it said.
    ///
    /// `on_event` sees every event as it arrives; for an approval request, the decision it
    /// returns (with an optional reason) is sent at once. Returning `None` for an approval
    /// request leaves the workflow paused until someone else decides or the approval expires.
    pub fn run_and_wait<F>(
        &self,
        slug: &str,
        task: &str,
        metadata: Option<&str>,
        mut on_event: F,
    ) -> Result<RunOutcome>
    where
        F: FnMut(&Event) -> Option<(Decision, Option<String>)>,
    {
        let execution = self.run_workflow(slug, task, metadata)?;
        let mut stream = self.stream(&execution.stream_url)?;
        let mut outcome = RunOutcome {
            execution,
            text: String::new(),
            tool_calls: Vec::new(),
            status: None,
            final_answer: None,
            event_count: 0,
        };
        while let Some(event) = stream.next_event()? {
            outcome.event_count += 1;
            let decision = on_event(&event);
            match event.kind {
                EventKind::Chunk { content } => outcome.text.push_str(&content),
                EventKind::ToolExecuting {
                    tool_name,
                    tool_input,
                } => outcome.tool_calls.push(ToolCall {
                    tool_name,
                    tool_input,
                    result: None,
                }),
                EventKind::ToolResult { tool_name, result } => {
                    // Attach to the latest call of that tool still waiting for its result.
                    match outcome
                        .tool_calls
                        .iter_mut()
                        .rev()
                        .find(|call| call.tool_name == tool_name && call.result.is_none())
                    {
                        Some(call) => call.result = result,
                        None => outcome.tool_calls.push(ToolCall {
                            tool_name,
                            tool_input: None,
                            result,
                        }),
                    }
                }
                EventKind::ApprovalRequest { approval_id, .. } => {
                    if let Some((decision, reason)) = decision {
                        self.decide(
                            &outcome.execution.execution_id,
                            &approval_id,
                            decision,
                            reason.as_deref(),
                        )?;
                    }
                }
                EventKind::Done {
                    status,
                    final_answer,
                    ..
                } => {
                    outcome.status = status;
                    outcome.final_answer = final_answer;
                    return Ok(outcome);
                }
                EventKind::Other => {}
            }
        }
        Err(Error::new(
            ErrorKind::Protocol,
            "the stream ended without a done event",
        ))
    }
}

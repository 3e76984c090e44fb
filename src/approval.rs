//! Approving or rejecting a tool call a workflow paused on.

use crate::client::Client;
use crate::error::Result;

/// A human's answer to an approval request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Let the tool call run.
    Approve,
    /// Refuse it; the workflow continues without it.
    Reject,
}

impl Decision {
    fn path_word(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
        }
    }
}

/// The decision request body: `{"reason": "..."}`, or `{}` without a reason.
pub fn decision_request_body(reason: Option<&str>) -> String {
    match reason {
        Some(reason) => format!(
            "{{\"reason\":{}}}",
            serde_json::to_string(reason).expect("a str always serialises")
        ),
        None => "{}".to_string(),
    }
}

impl Client {
    /// Sends `decision` for the approval `approval_id` of execution `execution_id`, with an
    /// optional `reason`. Safe to call from another thread while a stream of the same
    /// execution is blocked waiting for its next event.
    ///
    /// Retried like a run (429, 503, failures to connect); an expired or unknown approval comes
    /// back at once as [`crate::ErrorKind::BadRequest`] or [`crate::ErrorKind::NotFound`] with
    /// the API's code.
    pub fn decide(
        &self,
        execution_id: &str,
        approval_id: &str,
        decision: Decision,
        reason: Option<&str>,
    ) -> Result<()> {
        let url = self
            .base_url()
            .decision_url(execution_id, approval_id, decision.path_word())?;
        self.post_json(&url, decision_request_body(reason).as_bytes())?;
        Ok(())
    }

    /// Approves a paused tool call; see [`Client::decide`].
    pub fn approve(
        &self,
        execution_id: &str,
        approval_id: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        self.decide(execution_id, approval_id, Decision::Approve, reason)
    }

    /// Rejects a paused tool call; see [`Client::decide`].
    pub fn reject(
        &self,
        execution_id: &str,
        approval_id: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        self.decide(execution_id, approval_id, Decision::Reject, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_is_a_json_string_or_absent() {
        assert_eq!(decision_request_body(None), "{}");
        assert_eq!(
            decision_request_body(Some("line1\nline2 \"q\"")),
            r#"{"reason":"line1\nline2 \"q\""}"#
        );
    }
}

//! The engine's error.

use interactor_client::model::ErrorCode;
use serde_json::Value;

/// Why an engine operation did not succeed, with the API error code it answers with.
///
/// Two kinds exist. A *rejection* (bad input, unknown instance, wrong state, a lost race)
/// changed nothing. A *failure* happened while the engine ran automatic steps: the
/// instance is now `failed`, and [`EngineError::details`] names it and the state.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct EngineError {
    /// The API error code.
    pub code: ErrorCode,
    /// A sentence for people.
    pub message: String,
    /// Structured details (`details` of the error body), boxed to keep results small.
    pub details: Option<Box<Value>>,
    failed_instance: bool,
}

impl EngineError {
    /// A rejection with `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
            failed_instance: false,
        }
    }

    /// A failure of automatic execution that left `instance_id` failed at `state`.
    pub(crate) fn failure(
        code: ErrorCode,
        message: impl Into<String>,
        instance_id: &str,
        state: &str,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            details: Some(Box::new(
                serde_json::json!({ "instance_id": instance_id, "state": state }),
            )),
            failed_instance: true,
        }
    }

    /// Replaces the details.
    #[must_use]
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// Whether the error means an instance failed (rather than a request being rejected).
    pub fn failed_instance(&self) -> bool {
        self.failed_instance
    }

    /// The HTTP status the API answers with.
    pub fn status(&self) -> u16 {
        if self.failed_instance {
            return 500;
        }
        self.code.http_status().unwrap_or(400)
    }

    /// Whether the operation that returned this error changed nothing.
    pub(crate) fn leaves_instance_unchanged(&self) -> bool {
        !self.failed_instance
    }
}

//! Error bodies: `{"error": {"code", "message", "details", "request_id"}}`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::wire_enum::wire_enum;

wire_enum! {
    /// Every error code the API answers with.
    pub enum ErrorCode {
        /// 401: missing, invalid, revoked or expired token.
        Unauthorized = "unauthorized",
        /// 403: the token lacks a scope.
        Forbidden = "forbidden",
        /// 429: too many requests; wait for `Retry-After`.
        RateLimited = "rate_limited",
        /// 500: the server failed.
        InternalError = "internal_error",
        /// 400: the definition failed validation.
        InvalidWorkflow = "invalid_workflow",
        /// 409: the workflow name is taken.
        WorkflowExists = "workflow_exists",
        /// 404: no such workflow.
        WorkflowNotFound = "workflow_not_found",
        /// 404: no such version.
        VersionNotFound = "version_not_found",
        /// 400: the version is already published.
        AlreadyPublished = "already_published",
        /// 400: the workflow has no published version.
        WorkflowNotPublished = "workflow_not_published",
        /// 429: the namespace has too many active instances.
        NamespaceQuotaExceeded = "namespace_quota_exceeded",
        /// 404: no such instance (or not in the token's namespaces).
        InstanceNotFound = "instance_not_found",
        /// 400: the instance is not halted.
        InstanceNotHalted = "instance_not_halted",
        /// 400: the input matches no transition.
        InvalidTransition = "invalid_transition",
        /// 409: another request changed the instance first.
        ConcurrentModification = "concurrent_modification",
        /// 400: the instance has already ended.
        InstanceNotActive = "instance_not_active",
        /// 500: a script threw or broke a limit.
        ScriptError = "script_error",
        /// 500: a script ran past its time limit.
        ScriptTimeout = "script_timeout",
        /// 500: HTTP logic got a failing answer.
        HttpError = "http_error",
        /// 500: HTTP logic timed out.
        HttpTimeout = "http_timeout",
        /// 400: the resume input does not fit the form.
        InvalidInput = "invalid_input",
        /// 409: the idempotency key was used with a different body.
        IdempotencyKeyReused = "idempotency_key_reused",
        /// 400: malformed JSON, wrong types or a bad query.
        InvalidRequest = "invalid_request",
        /// 413: the body is over the size limit.
        PayloadTooLarge = "payload_too_large",
        /// 404: no such thread.
        ThreadNotFound = "thread_not_found",
        /// 404: no such event.
        EventNotFound = "event_not_found",
        /// 404: no such webhook subscription.
        SubscriptionNotFound = "subscription_not_found",
        /// 404: no such route.
        NotFound = "not_found",
        /// 401: the token endpoint does not know the client or its secret.
        InvalidClient = "invalid_client",
        /// 400: the refresh token is invalid, expired or revoked.
        InvalidGrant = "invalid_grant",
        /// 400: the token endpoint does not support the grant type.
        UnsupportedGrantType = "unsupported_grant_type",
    }
}

impl ErrorCode {
    /// The HTTP status the API answers this code with; `None` for unknown codes.
    #[must_use]
    pub fn http_status(&self) -> Option<u16> {
        let status = match self {
            Self::InvalidWorkflow
            | Self::AlreadyPublished
            | Self::WorkflowNotPublished
            | Self::InstanceNotHalted
            | Self::InvalidTransition
            | Self::InstanceNotActive
            | Self::InvalidInput
            | Self::InvalidRequest
            | Self::InvalidGrant
            | Self::UnsupportedGrantType => 400,
            Self::Unauthorized | Self::InvalidClient => 401,
            Self::Forbidden => 403,
            Self::WorkflowNotFound
            | Self::VersionNotFound
            | Self::InstanceNotFound
            | Self::ThreadNotFound
            | Self::EventNotFound
            | Self::SubscriptionNotFound
            | Self::NotFound => 404,
            Self::WorkflowExists | Self::ConcurrentModification | Self::IdempotencyKeyReused => 409,
            Self::PayloadTooLarge => 413,
            Self::RateLimited | Self::NamespaceQuotaExceeded => 429,
            Self::InternalError
            | Self::ScriptError
            | Self::ScriptTimeout
            | Self::HttpError
            | Self::HttpTimeout => 500,
            Self::Unknown(_) => return None,
        };
        Some(status)
    }

    /// Whether the code reports a failure of the workflow itself during execution
    /// (`script_error`, `script_timeout`, `http_error`, `http_timeout`). Repeating the
    /// request does not help: the instance has failed.
    #[must_use]
    pub fn is_engine_failure(&self) -> bool {
        matches!(
            self,
            Self::ScriptError | Self::ScriptTimeout | Self::HttpError | Self::HttpTimeout
        )
    }
}

/// The `error` object of an error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// What went wrong, as a code.
    pub code: ErrorCode,
    /// What went wrong, for people.
    #[serde(default)]
    pub message: String,
    /// Structured details, e.g. `{"path": ...}` or `{"current_state", "expected_state"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// The request id, for support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ApiErrorBody {
    /// An error body without details or request id.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
            request_id: None,
        }
    }
}

/// An error response: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ApiErrorBody,
}

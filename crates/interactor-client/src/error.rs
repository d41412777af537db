//! The crate's one error type.

use std::time::Duration;

use serde_json::Value;

use crate::model::{ErrorCode, InstanceStatus};

/// A `Result` whose error is the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

static RATE_LIMITED: ErrorCode = ErrorCode::RateLimited;

/// Everything that can go wrong talking to the API.
///
/// Secrets (tokens, client secrets) never appear in `Debug` or `Display`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error.
    #[error("{code} (HTTP {status}): {message}{}", request_suffix(request_id.as_deref()))]
    Api {
        /// HTTP status.
        status: u16,
        /// The error code (`Unknown` for codes this SDK does not know).
        code: ErrorCode,
        /// What went wrong, for people.
        message: String,
        /// Structured details, e.g. `{"current_state", "expected_state"}`.
        details: Option<Box<Value>>,
        /// The request id to quote to support.
        request_id: Option<String>,
        /// How many attempts were made.
        attempts: u32,
    },
    /// Rate limited, and waiting was not possible within the deadline (or the request
    /// could not be replayed safely).
    #[error(
        "rate limited; retry after {retry_after:?}{}",
        request_suffix(request_id.as_deref())
    )]
    RateLimited {
        /// How long the server asked to wait.
        retry_after: Duration,
        /// The request id to quote to support.
        request_id: Option<String>,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The request could not be sent or its answer not received.
    #[error("HTTP transport failed after {attempts} attempt(s)")]
    Transport {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
        /// How many attempts were made.
        attempts: u32,
    },
    /// An attempt or the whole call ran out of time.
    #[error("timed out after {elapsed:?} and {attempts} attempt(s)")]
    Timeout {
        /// Time spent on the call.
        elapsed: Duration,
        /// How many attempts were made.
        attempts: u32,
    },
    /// A success response did not have the expected shape.
    #[error(
        "could not decode the response (HTTP {status}){}",
        request_suffix(request_id.as_deref())
    )]
    Decode {
        /// HTTP status.
        status: u16,
        /// The request id to quote to support.
        request_id: Option<String>,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// A request body could not be encoded.
    #[error("could not encode the request body")]
    Encode(#[source] serde_json::Error),
    /// A token could not be obtained.
    #[error("authentication failed: {message}")]
    Auth {
        /// What went wrong.
        message: String,
        /// The token endpoint's HTTP status, if it answered.
        status: Option<u16>,
        /// The token endpoint's error code, if it gave one.
        code: Option<ErrorCode>,
    },
    /// The client or a request was configured wrongly.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// [`Instances::wait_for_completion`](crate::Instances::wait_for_completion) gave up.
    #[error("instance {instance_id} was still {status} after {waited:?}")]
    WaitTimeout {
        /// The instance waited for.
        instance_id: String,
        /// Its last status.
        status: InstanceStatus,
        /// How long was waited.
        waited: Duration,
    },
}

fn request_suffix(request_id: Option<&str>) -> String {
    request_id.map_or_else(String::new, |id| format!(" [request {id}]"))
}

impl Error {
    /// An [`Error::Auth`] with a message, for [`TokenSource`](crate::TokenSource)
    /// implementations.
    pub fn auth(message: impl Into<String>) -> Self {
        Self::Auth {
            message: message.into(),
            status: None,
            code: None,
        }
    }

    /// Whether the same request could succeed later: transport failures, timeouts, rate
    /// limits and 502/503/504. Engine failures (`script_error`, ...) and other 4xx/5xx are
    /// not.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api { status, code, .. } => {
                matches!(status, 502..=504) || (*status == 429 && *code == ErrorCode::RateLimited)
            }
            Self::RateLimited { .. } | Self::Timeout { .. } => true,
            Self::Transport { source, .. } => !source.is_builder() && !source.is_redirect(),
            _ => false,
        }
    }

    /// The HTTP status the API answered with, when it answered.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Decode { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            Self::Auth { status, .. } => *status,
            Self::Transport { source, .. } => source.status().map(|status| status.as_u16()),
            _ => None,
        }
    }

    /// The API's error code, when it gave one.
    #[must_use]
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Api { code, .. } => Some(code),
            Self::RateLimited { .. } => Some(&RATE_LIMITED),
            Self::Auth { code, .. } => code.as_ref(),
            _ => None,
        }
    }

    /// The request id of the failed request, when the server sent one.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api { request_id, .. }
            | Self::RateLimited { request_id, .. }
            | Self::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The error's `details`, for API errors that carry them.
    #[must_use]
    pub fn details(&self) -> Option<&Value> {
        match self {
            Self::Api { details, .. } => details.as_deref(),
            _ => None,
        }
    }

    /// How many attempts were made before giving up.
    #[must_use]
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Self::Api { attempts, .. }
            | Self::RateLimited { attempts, .. }
            | Self::Transport { attempts, .. }
            | Self::Timeout { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::Config(message.into())
    }
}

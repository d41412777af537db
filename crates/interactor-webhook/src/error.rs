//! The ways a delivery can fail verification, and the ways a [`Verifier`] can be misconfigured.
//!
//! [`Verifier`]: crate::Verifier

use std::fmt;

/// Why a delivery was rejected.
///
/// Every variant knows the HTTP status a receiver should answer with
/// ([`Error::http_status`]) and a stable machine-readable code ([`Error::code`]), which is
/// what the axum and actix-web extractors put into their JSON error body:
///
/// - 401, the delivery cannot be authenticated: [`MissingHeader`] (signature or
///   timestamp), [`TimestampTooOld`], [`TimestampInFuture`], [`SignatureMismatch`],
///   [`Replayed`];
/// - 400, the request is malformed: [`MalformedSignature`], [`InvalidTimestamp`],
///   [`InvalidHeader`], [`InvalidPayload`], [`HeaderMismatch`], [`BodyRead`];
/// - 413: [`PayloadTooLarge`].
///
/// [`MissingHeader`]: Error::MissingHeader
/// [`TimestampTooOld`]: Error::TimestampTooOld
/// [`TimestampInFuture`]: Error::TimestampInFuture
/// [`SignatureMismatch`]: Error::SignatureMismatch
/// [`Replayed`]: Error::Replayed
/// [`MalformedSignature`]: Error::MalformedSignature
/// [`InvalidTimestamp`]: Error::InvalidTimestamp
/// [`InvalidHeader`]: Error::InvalidHeader
/// [`InvalidPayload`]: Error::InvalidPayload
/// [`HeaderMismatch`]: Error::HeaderMismatch
/// [`BodyRead`]: Error::BodyRead
/// [`PayloadTooLarge`]: Error::PayloadTooLarge
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A header the scheme requires is absent: the signature or the timestamp.
    #[error("missing header `{name}`")]
    MissingHeader {
        /// The lowercase header name, one of the [`header`](crate::header) constants.
        name: &'static str,
    },

    /// The signature header is not `sha256=` followed by 64 hexadecimal digits.
    #[error("malformed signature header: {reason}")]
    MalformedSignature {
        /// What exactly is wrong with it.
        reason: MalformedSignature,
    },

    /// The timestamp header is not a non-negative decimal integer that fits an `i64`.
    #[error("timestamp header is not a unix time in seconds: {value:?}")]
    InvalidTimestamp {
        /// The offending value (lossily decoded, cut to 32 characters).
        value: String,
    },

    /// The timestamp is older than the verifier's tolerance.
    #[error("timestamp is {age_secs} s old, more than the tolerated {tolerance_secs} s")]
    TimestampTooOld {
        /// How many seconds before the verifier's clock the delivery was signed.
        age_secs: u64,
        /// The tolerance that was exceeded.
        tolerance_secs: u64,
    },

    /// The timestamp lies further in the future than the allowed clock skew.
    #[error("timestamp is {ahead_secs} s in the future, more than the allowed {skew_secs} s")]
    TimestampInFuture {
        /// How many seconds after the verifier's clock the delivery claims to be signed.
        ahead_secs: u64,
        /// The allowance that was exceeded.
        skew_secs: u64,
    },

    /// The signature is well formed but no configured secret produces it.
    #[error("signature does not match any configured secret")]
    SignatureMismatch,

    /// The same signature was already accepted within the replay window.
    #[error("delivery was already accepted (replayed signature)")]
    Replayed,

    /// An optional header is present but unusable (not text, or a retry count that is not
    /// a number).
    #[error("invalid value in header `{name}`")]
    InvalidHeader {
        /// The lowercase header name.
        name: &'static str,
    },

    /// The signed body is not a webhook event.
    #[error("body is not a webhook event: {source}")]
    InvalidPayload {
        /// What the JSON parser found.
        #[source]
        source: serde_json::Error,
    },

    /// An unsigned header disagrees with the signed body (the event name or delivery id).
    #[error("header `{name}` says {header:?} but the signed body says {body:?}")]
    HeaderMismatch {
        /// The lowercase header name.
        name: &'static str,
        /// The header's value.
        header: String,
        /// The value in the signed body.
        body: String,
    },

    /// The body is larger than the verifier's limit.
    #[error("body exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },

    /// The request body could not be read (the client went away, a broken chunked
    /// encoding, ...). Only produced by the framework extractors.
    #[error("failed to read the request body: {message}")]
    BodyRead {
        /// The transport's description of the failure.
        message: String,
    },
}

impl Error {
    /// The HTTP status a receiver should answer with: 401 when the delivery cannot be
    /// authenticated, 400 when it is malformed, 413 when it is too large.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        match self {
            Self::MissingHeader { .. }
            | Self::TimestampTooOld { .. }
            | Self::TimestampInFuture { .. }
            | Self::SignatureMismatch
            | Self::Replayed => 401,
            Self::MalformedSignature { .. }
            | Self::InvalidTimestamp { .. }
            | Self::InvalidHeader { .. }
            | Self::InvalidPayload { .. }
            | Self::HeaderMismatch { .. }
            | Self::BodyRead { .. } => 400,
            Self::PayloadTooLarge { .. } => 413,
        }
    }

    /// A stable, machine-readable code for this failure, such as `signature_mismatch`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader { .. } => "missing_header",
            Self::MalformedSignature { .. } => "malformed_signature",
            Self::InvalidTimestamp { .. } => "invalid_timestamp",
            Self::TimestampTooOld { .. } => "timestamp_too_old",
            Self::TimestampInFuture { .. } => "timestamp_in_future",
            Self::SignatureMismatch => "signature_mismatch",
            Self::Replayed => "replayed",
            Self::InvalidHeader { .. } => "invalid_header",
            Self::InvalidPayload { .. } => "invalid_payload",
            Self::HeaderMismatch { .. } => "header_mismatch",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::BodyRead { .. } => "body_read_failed",
        }
    }

    /// Whether the failure means the delivery could not be authenticated (status 401), as
    /// opposed to being malformed or too large.
    #[must_use]
    pub fn is_auth_failure(&self) -> bool {
        self.http_status() == 401
    }

    /// The JSON error body the extractors answer with:
    /// `{"error": {"code": ..., "message": ...}}`.
    #[must_use]
    pub fn to_json_body(&self) -> serde_json::Value {
        serde_json::json!({
            "error": { "code": self.code(), "message": self.to_string() }
        })
    }
}

/// Logs a rejected delivery: at warn for a bad signature or a replay (someone may be
/// probing the endpoint), at debug for everything else.
pub(crate) fn log_rejection(error: &Error, delivery_id: Option<&str>) {
    match error {
        Error::SignatureMismatch | Error::Replayed => tracing::warn!(
            target: crate::LOG_TARGET,
            delivery_id,
            code = error.code(),
            status = error.http_status(),
            error = %error,
            "webhook delivery rejected"
        ),
        _ => tracing::debug!(
            target: crate::LOG_TARGET,
            delivery_id,
            code = error.code(),
            status = error.http_status(),
            error = %error,
            "webhook delivery rejected"
        ),
    }
}

/// What is wrong with a malformed signature header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MalformedSignature {
    /// The value does not start with `sha256=`.
    MissingPrefix,
    /// The digest after the prefix does not have 64 characters.
    WrongLength {
        /// The number of bytes found after the prefix.
        len: usize,
    },
    /// The digest contains characters that are not hexadecimal digits.
    NotHex,
}

impl fmt::Display for MalformedSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingPrefix => f.write_str("expected the prefix `sha256=`"),
            Self::WrongLength { len } => {
                write!(f, "expected 64 hexadecimal digits, found {len} characters")
            }
            Self::NotHex => f.write_str("the digest is not hexadecimal"),
        }
    }
}

impl From<MalformedSignature> for Error {
    fn from(reason: MalformedSignature) -> Self {
        Self::MalformedSignature { reason }
    }
}

/// Why a [`VerifierBuilder`](crate::VerifierBuilder) could not build a verifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No secret was given; a verifier needs at least one.
    #[error("a verifier needs at least one secret")]
    NoSecret,
    /// One of the secrets is empty.
    #[error("webhook secrets must not be empty")]
    EmptySecret,
}

//! Reading request bodies: a size limit, then JSON with the path of whatever is wrong.

use axum::body::Body;
use axum::http::StatusCode;
use interactor_client::model::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::response::ApiError;

/// Largest workflow definition body (the reference's definition limit).
pub(crate) const DEFINITION_LIMIT: usize = 1024 * 1024;

/// Largest create or resume body (the reference's input payload limit).
pub(crate) const INPUT_LIMIT: usize = 64 * 1024;

/// Reads at most `limit` bytes of `body`.
///
/// # Errors
///
/// `payload_too_large` (413) past the limit; `invalid_request` when the body cannot be read.
pub(crate) async fn read_limited(body: Body, limit: usize) -> Result<bytes::Bytes, ApiError> {
    use http_body_util::{BodyExt, LengthLimitError, Limited};

    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("The request body is over the limit of {limit} bytes"),
        )
        .with_details(serde_json::json!({ "limit": limit }))),
        Err(err) => Err(ApiError::invalid_request(
            format!("The request body could not be read: {err}"),
            Value::Null,
        )),
    }
}

/// Parses `bytes` as JSON into `T`.
///
/// # Errors
///
/// `invalid_request` with `details.path` (dotted, as in the definition paths) and
/// `details.line` / `details.column` for syntax errors.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|err| (err.path().to_string(), err.into_inner()))
        .and_then(|value: T| {
            deserializer
                .end()
                .map(|()| value)
                .map_err(|e| (String::new(), e))
        });
    parsed.map_err(|(path, inner)| {
        let mut details =
            serde_json::json!({ "path": if path == "." { String::new() } else { path } });
        if inner.is_syntax() || inner.is_eof() {
            details["line"] = inner.line().into();
            details["column"] = inner.column().into();
            return ApiError::invalid_request(
                format!("The body is not valid JSON: {inner}"),
                details,
            );
        }
        ApiError::invalid_request(format!("The body does not fit: {inner}"), details)
    })
}

//! Applying `Idempotency-Key` to a handler's work.

use std::future::Future;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use interactor_client::model::{ApiErrorBody, ErrorCode};

use super::AppState;
use super::response::ApiError;
use crate::auth::Principal;
use crate::idempotency::{Claim, IdempotencyStore, Stored};

/// The longest key accepted.
const MAX_KEY_LEN: usize = 255;

/// Runs `work` once per idempotency key: a repeat of the same request gets the kept
/// answer, marked `Idempotent-Replayed: true`; a request without a key just runs.
///
/// Keyed work runs in a task of its own, so that it finishes and its answer is kept even
/// when the caller hangs up halfway (a client that timed out and will retry with the same
/// key must find the first attempt's answer, not run the work a second time).
pub(super) async fn run<F>(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    body: &[u8],
    work: F,
) -> Result<Response, ApiError>
where
    F: Future<Output = Result<Response, ApiError>> + Send + 'static,
{
    let Some(key) = headers.get("idempotency-key") else {
        return work.await;
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN)
        .ok_or_else(|| {
            ApiError::invalid_request(
                format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
                serde_json::json!({ "path": "Idempotency-Key" }),
            )
        })?;

    let fingerprint = IdempotencyStore::fingerprint(method, path, body);
    match state
        .idempotency
        .claim(&principal.account, key, fingerprint)
        .await
    {
        Claim::Conflict => Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::IdempotencyKeyReused,
            "This Idempotency-Key was already used with a different request",
        )
        .with_details(serde_json::json!({ "idempotency_key": key }))),
        Claim::Replay(stored) => Ok(replayed(stored)),
        Claim::Run(ticket) => {
            let task = tokio::spawn(async move {
                let stored = match work.await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                            .await
                            .map_err(|_| ApiError::internal("The answer could not be kept"))?;
                        Stored { status, body }
                    }
                    Err(error) => Stored {
                        status: error.status.as_u16(),
                        body: serde_json::to_vec(&error.body).unwrap_or_default().into(),
                    },
                };
                ticket.finish(stored.clone());
                Ok::<_, ApiError>(stored)
            });
            match task.await {
                Ok(stored) => Ok(rebuild(stored?)),
                Err(_) => Err(ApiError::internal("The keyed request ended abnormally")),
            }
        }
    }
}

/// The kept answer as a response.
fn rebuild(stored: Stored) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_client_error() || status.is_server_error() {
        // Errors are kept without a request id; the current request's is filled in.
        if let Ok(body) = serde_json::from_slice::<ApiErrorBody>(&stored.body) {
            return ApiError {
                status,
                body: Box::new(body),
            }
            .into_response();
        }
    }
    let mut response = (status, stored.body).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn replayed(stored: Stored) -> Response {
    let mut response = rebuild(stored);
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

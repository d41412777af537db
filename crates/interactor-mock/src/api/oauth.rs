//! The token endpoints: `/api/v1/oauth/token` and `/api/v1/oauth/revoke` answer in the
//! platform's envelopes; `/oauth/token` and `/oauth/revoke` in plain OAuth form (RFC 6749
//! and RFC 7009), accepting JSON or form-encoded bodies.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use interactor_client::model::{OAuthErrorBody, RevokeRequest, TokenRequest};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::AppState;
use super::body::{INPUT_LIMIT, parse_json, read_limited};
use super::response::{ApiError, ok};
use crate::auth::AuthError;

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

async fn parse<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<T, AuthError> {
    let bytes = read_limited(body, INPUT_LIMIT)
        .await
        .map_err(|e| AuthError {
            code: interactor_client::model::ErrorCode::InvalidRequest,
            message: e.body.message,
        })?;
    if is_form(headers) {
        serde_urlencoded::from_bytes(&bytes).map_err(|e| AuthError {
            code: interactor_client::model::ErrorCode::InvalidRequest,
            message: format!("The form body does not fit: {e}"),
        })
    } else {
        parse_json(&bytes).map_err(|e| AuthError {
            code: interactor_client::model::ErrorCode::InvalidRequest,
            message: e.body.message,
        })
    }
}

fn api_error(err: AuthError) -> ApiError {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    ApiError::new(status, err.code, err.message)
}

fn oauth_error(err: AuthError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = OAuthErrorBody {
        error: err.code.as_str().to_owned(),
        error_description: Some(err.message),
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// `POST /api/v1/oauth/token`
pub(super) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let request: TokenRequest = parse(&headers, body).await.map_err(api_error)?;
    let token = state.auth.token(&request).map_err(api_error)?;
    Ok(ok(token).into_response())
}

/// `POST /oauth/token`
pub(super) async fn plain_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let issued = match parse::<TokenRequest>(&headers, body).await {
        Ok(request) => state.auth.token(&request),
        Err(err) => Err(err),
    };
    match issued {
        Ok(token) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            Json(token),
        )
            .into_response(),
        Err(err) => oauth_error(err),
    }
}

/// `POST /api/v1/oauth/revoke`
pub(super) async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let request: RevokeRequest = parse(&headers, body).await.map_err(api_error)?;
    state.auth.revoke(&request.token);
    Ok(ok(json!({ "revoked": true })).into_response())
}

/// `POST /oauth/revoke`
pub(super) async fn plain_revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    match parse::<RevokeRequest>(&headers, body).await {
        Ok(request) => {
            state.auth.revoke(&request.token);
            StatusCode::OK.into_response()
        }
        Err(err) => oauth_error(err),
    }
}

//! Success and error responses in the API's envelopes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use interactor_client::model::{ApiErrorBody, ErrorCode};
use serde::Serialize;
use serde_json::Value;

use crate::engine::EngineError;

/// A success body, `{"data": …}`, with its status.
pub(crate) struct Data<T>(pub(crate) StatusCode, pub(crate) T);

/// `{"data": …}` around a borrowed value, serialised in one pass.
#[derive(Serialize)]
struct Envelope<'a, T> {
    data: &'a T,
}

impl<T: Serialize> IntoResponse for Data<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&Envelope { data: &self.1 }) {
            Ok(body) => {
                let content_type = [(axum::http::header::CONTENT_TYPE, "application/json")];
                (self.0, content_type, body).into_response()
            }
            Err(err) => ApiError::internal(format!("The answer could not be written: {err}"))
                .into_response(),
        }
    }
}

/// `200 OK` with `{"data": value}`.
pub(crate) fn ok<T: Serialize>(value: T) -> Data<T> {
    Data(StatusCode::OK, value)
}

/// `201 Created` with `{"data": value}`.
pub(crate) fn created<T: Serialize>(value: T) -> Data<T> {
    Data(StatusCode::CREATED, value)
}

/// An error answer. The request-id middleware writes its body, so that every error carries
/// the request id without each handler having to know it.
#[derive(Clone, Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) body: Box<ApiErrorBody>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ApiErrorBody::new(code, message)),
        }
    }

    pub(crate) fn with_details(mut self, details: Value) -> Self {
        self.body.details = Some(details);
        self
    }

    pub(crate) fn invalid_request(message: impl Into<String>, details: Value) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, message).with_details(details)
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            message,
        )
    }
}

impl From<EngineError> for ApiError {
    fn from(err: EngineError) -> Self {
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = ApiErrorBody::new(err.code, err.message);
        body.details = err.details.map(|details| *details);
        Self {
            status,
            body: Box::new(body),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Writes the error body of a response that carries an [`ApiError`], with `request_id`.
pub(crate) fn render_error(response: &mut Response, request_id: &str) {
    let Some(error) = response.extensions_mut().remove::<ApiError>() else {
        return;
    };
    let mut body = error.body;
    body.request_id = Some(request_id.to_owned());
    let json = serde_json::to_vec(&serde_json::json!({ "error": body })).unwrap_or_else(|_| {
        br#"{"error":{"code":"internal_error","message":"unrenderable error"}}"#.to_vec()
    });
    *response.body_mut() = axum::body::Body::from(json);
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
}

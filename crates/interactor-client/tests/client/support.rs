//! Shared helpers: a mock server, a client pointed at it, and canned bodies.

use std::time::Duration;

use interactor_client::{Client, ClientBuilder, RetryConfig};
use serde_json::{Value, json};
use wiremock::MockServer;

pub(crate) const TOKEN: &str = "test_token";

/// Retries with tiny pauses, so retry tests run fast.
pub(crate) fn fast_retries() -> RetryConfig {
    RetryConfig::default()
        .max_retries(3)
        .backoff(Duration::from_millis(5), Duration::from_millis(20))
}

/// A builder pointed at `server`'s `/api/v1`, with fast retries and no auth.
pub(crate) fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .base_url(format!("{}/api/v1", server.uri()))
        .retry(fast_retries())
}

/// A client pointed at `server`, authenticating with [`TOKEN`].
pub(crate) fn client(server: &MockServer) -> Client {
    builder(server)
        .bearer_token(TOKEN)
        .build()
        .expect("client builds")
}

pub(crate) fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// `{"data": data}`
pub(crate) fn envelope(data: Value) -> Value {
    json!({ "data": data })
}

pub(crate) fn instance(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "workflow_name": "approval",
        "status": status,
        "current_state": "await_approval",
        "workflow_data": { "amount": 5000 },
        "created_at": "2026-01-20T12:00:00Z"
    })
}

pub(crate) fn error_body(code: &str, message: &str) -> Value {
    json!({ "error": {
        "code": code, "message": message, "details": null, "request_id": "req_body"
    } })
}

/// Every request the server received, in order.
pub(crate) async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.expect("recording is on")
}

pub(crate) fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

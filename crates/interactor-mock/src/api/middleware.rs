//! Request ids, request logging and journal, and bearer-token authentication.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use interactor_client::model::ErrorCode;
use serde::Serialize;
use tracing::Instrument;

use super::response::{ApiError, render_error};
use super::{AppState, RequestContext};
use crate::ids;

/// Incoming requests kept in the journal; older ones are dropped.
const JOURNAL_CAPACITY: usize = 10_000;

/// One incoming request, as `GET /_mock/requests` lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct JournalEntry {
    /// When it arrived (the mock's clock).
    pub at: DateTime<Utc>,
    /// Its method.
    pub method: String,
    /// Its path (without the query).
    pub path: String,
    /// Its query string, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The status it was answered with.
    pub status: u16,
    /// Its request id.
    pub request_id: String,
    /// Its `Idempotency-Key`, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

/// The bounded journal of incoming requests.
#[derive(Debug, Default)]
pub(crate) struct RequestJournal {
    entries: Mutex<VecDeque<JournalEntry>>,
}

impl RequestJournal {
    fn push(&self, entry: JournalEntry) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() == JOURNAL_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// Every kept entry, oldest first.
    pub(crate) fn entries(&self) -> Vec<JournalEntry> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    pub(crate) fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)?
        .to_str()
        .ok()
        .map(str::to_owned)
}

/// A caller's request id is echoed when it is short printable ASCII; otherwise the mock
/// makes one.
fn acceptable_request_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic())
}

/// The instance id in a path like `/api/v1/workflows/instances/inst_…/resume`.
fn instance_in_path(path: &str) -> Option<&str> {
    path.split('/').find(|segment| segment.starts_with("inst_"))
}

/// Outermost layer: gives the request its id, logs it, journals it, and writes error bodies.
pub(crate) async fn request_context(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = header(&request, "x-request-id")
        .filter(|id| acceptable_request_id(id))
        .unwrap_or_else(ids::request_id);
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let idempotency_key = header(&request, "idempotency-key");

    let traceparent = header(&request, "traceparent");
    request.extensions_mut().insert(RequestContext {
        request_id: request_id.clone(),
        traceparent,
        actor: None,
    });

    let span = tracing::info_span!(
        "request",
        %method,
        %path,
        request_id = %request_id,
        instance_id = instance_in_path(&path).unwrap_or(""),
        status = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;

    let status = response.status().as_u16();
    render_error(&mut response, &request_id);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }

    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    span.record("status", status);
    span.in_scope(|| tracing::info!(status, duration_ms, "request handled"));
    state.journal.push(JournalEntry {
        at: state.engine.clock().now(),
        method,
        path,
        query,
        status,
        request_id,
        idempotency_key,
        duration_ms,
    });
    response
}

/// Accepts the dev token; everything else is `401 unauthorized`.
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let token = header(&request, "authorization");
    let token = token.as_deref().and_then(|value| {
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    match token {
        Some(token) if token == &*state.dev_token => next.run(request).await,
        Some(_) => unauthorized("The bearer token is not valid"),
        None => unauthorized("An `Authorization: Bearer <token>` header is required"),
    }
}

fn unauthorized(message: &str) -> Response {
    let mut response =
        ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message).into_response();
    response.headers_mut().insert(
        "www-authenticate",
        HeaderValue::from_static("Bearer realm=\"interactor\""),
    );
    response
}

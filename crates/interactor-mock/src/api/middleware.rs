//! Request ids, request logging and journal, and bearer-token authentication.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use interactor_client::model::ErrorCode;
use serde::Serialize;
use tracing::Instrument;

use super::response::{ApiError, render_error};
use super::{AppState, Fault, RequestContext};
use crate::auth::Scope;
use crate::ids;
use crate::ratelimit::{Category, Decision};

/// Incoming requests kept in the journal; older ones are dropped.
const JOURNAL_CAPACITY: usize = 10_000;

/// One incoming request, as `GET /_mock/requests` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct JournalEntry {
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
    let request_id = header(&request, "x-request-id")
        .filter(|id| acceptable_request_id(id))
        .unwrap_or_else(ids::request_id);
    let path = request.uri().path().to_owned();
    let mut record = Recorder {
        state: state.clone(),
        started: Instant::now(),
        entry: Some(JournalEntry {
            at: state.engine.clock().now(),
            method: request.method().to_string(),
            path: path.clone(),
            query: request.uri().query().map(str::to_owned),
            status: CLIENT_CLOSED_REQUEST,
            request_id: request_id.clone(),
            idempotency_key: header(&request, "idempotency-key"),
            duration_ms: 0,
        }),
    };

    let traceparent = header(&request, "traceparent");
    request.extensions_mut().insert(RequestContext {
        request_id: request_id.clone(),
        traceparent,
        actor: None,
    });

    let method = request.method().to_string();
    let fault = state.faults.take(&method, &path);
    let span = tracing::info_span!(
        "request",
        %method,
        %path,
        request_id = %request_id,
        instance_id = instance_in_path(&path).unwrap_or(""),
        status = tracing::field::Empty,
    );
    let mut response = match fault {
        Some(fault) => {
            apply_fault(fault, request, next)
                .instrument(span.clone())
                .await
        }
        None => next.run(request).instrument(span.clone()).await,
    };

    let status = response.status().as_u16();
    render_error(&mut response, &request_id);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    span.record("status", status);
    let duration_ms = record.finish(status);
    span.in_scope(|| tracing::info!(status, duration_ms, "request handled"));
    response
}

/// The status journaled for a request whose caller hung up before the answer (nginx's
/// convention; no answer was sent).
const CLIENT_CLOSED_REQUEST: u16 = 499;

/// Journals a request once: with its status when it is answered, or as
/// [`CLIENT_CLOSED_REQUEST`] when its caller went away first (the handler's future is then
/// dropped, and so is this).
struct Recorder {
    state: AppState,
    started: Instant,
    entry: Option<JournalEntry>,
}

impl Recorder {
    fn finish(&mut self, status: u16) -> u64 {
        let duration_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if let Some(mut entry) = self.entry.take() {
            entry.status = status;
            entry.duration_ms = duration_ms;
            self.state.journal.push(entry);
        }
        duration_ms
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if self.entry.is_some() {
            self.finish(CLIENT_CLOSED_REQUEST);
        }
    }
}

/// Delays the request, then fails it with the fault's status or lets it through.
async fn apply_fault(fault: Fault, request: Request, next: Next) -> Response {
    tracing::debug!(?fault, "injecting a fault");
    tokio::time::sleep(fault.delay()).await;
    let Some(status) = fault.status.and_then(|s| StatusCode::from_u16(s).ok()) else {
        return next.run(request).await;
    };
    let code = match (&fault.code, status) {
        (Some(code), _) => serde_json::from_value(serde_json::Value::String(code.clone()))
            .unwrap_or(ErrorCode::InternalError),
        (None, StatusCode::TOO_MANY_REQUESTS) => ErrorCode::RateLimited,
        (None, StatusCode::UNAUTHORIZED) => ErrorCode::Unauthorized,
        (None, StatusCode::NOT_FOUND) => ErrorCode::NotFound,
        (None, s) if s.is_server_error() => ErrorCode::InternalError,
        (None, _) => ErrorCode::InvalidRequest,
    };
    let mut response = ApiError::new(status, code, "Injected fault").into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        response.headers_mut().insert(
            "retry-after",
            HeaderValue::from(fault.retry_after.unwrap_or(1)),
        );
    }
    response
}

/// The scope a route needs and the rate-limit category it counts against.
fn requirements(method: &Method, route: &str) -> (Scope, Category) {
    let route = route.strip_prefix("/api/v1").unwrap_or(route);
    if route.starts_with("/webhooks") {
        let category = if method == Method::GET {
            Category::Read
        } else {
            Category::Write
        };
        return (Scope::WebhooksManage, category);
    }
    match (method, route) {
        (&Method::GET, _) | (&Method::POST, "/workflows/validate") => (Scope::Read, Category::Read),
        (&Method::POST, "/workflows/{name}/instances") => {
            (Scope::Execute, Category::CreateInstance)
        }
        (_, route) if route.starts_with("/workflows/instances/") => {
            (Scope::Execute, Category::Write)
        }
        _ => (Scope::Write, Category::Write),
    }
}

fn rate_headers(response: &mut Response, decision: &Decision) {
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(decision.limit));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(decision.remaining),
    );
    headers.insert("x-ratelimit-reset", HeaderValue::from(decision.reset));
}

/// Authenticates the bearer token, checks the route's scope, counts the request against
/// the account's rate limit, and hands the handlers the [`Principal`].
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    mut request: Request,
    next: Next,
) -> Response {
    let route = matched.as_ref().map_or_else(
        || request.uri().path().to_owned(),
        |m| m.as_str().to_owned(),
    );
    let (scope, category) = requirements(request.method(), &route);

    let token = header(&request, "authorization");
    let token = token.as_deref().and_then(|value| {
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned())
    });
    let principal = match token.as_deref().map(|t| state.auth.authenticate(t)) {
        Some(Ok(principal)) => Ok(principal),
        Some(Err(err)) => Err(err.message),
        None => Err("An `Authorization: Bearer <token>` header is required".to_owned()),
    };
    let account = principal
        .as_ref()
        .map_or("anonymous", |p| p.account.as_str())
        .to_owned();
    let decision = state.limiter.check(&account, category);

    let mut response = match principal {
        Err(message) => unauthorized(&message),
        Ok(_) if !decision.allowed => {
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!(
                    "Rate limit of {} requests a minute exceeded",
                    decision.limit
                ),
            )
            .with_details(serde_json::json!({ "retry_after": decision.retry_after }))
            .into_response();
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(decision.retry_after));
            response
        }
        Ok(principal) if !principal.has(scope) => ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("This token lacks the scope {}", scope.as_str()),
        )
        .with_details(serde_json::json!({ "required_scope": scope.as_str() }))
        .into_response(),
        Ok(principal) => {
            if let Some(ctx) = request.extensions_mut().get_mut::<RequestContext>() {
                ctx.actor = principal
                    .client_id
                    .clone()
                    .or_else(|| Some("dev".to_owned()));
            }
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
    };
    rate_headers(&mut response, &decision);
    response
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

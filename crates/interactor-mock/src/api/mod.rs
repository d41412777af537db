//! The HTTP API: routing, envelopes, request ids, authentication, and the translation
//! between requests and engine calls.

mod admin;
mod body;
mod control;
mod faults;
mod history;
mod instances;
mod keyed;
mod middleware;
mod oauth;
mod response;
mod webhooks;
mod workflows;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use interactor_client::model::ErrorCode;

use crate::auth::Auth;
use crate::config::MockConfig;
use crate::engine::{CallContext, Engine};
use crate::idempotency::IdempotencyStore;
use crate::ratelimit::RateLimiter;
pub use control::MockState;
pub(crate) use control::read_state;
pub use faults::Fault;
pub(crate) use faults::Faults;
pub use middleware::JournalEntry;
pub(crate) use middleware::RequestJournal;
use response::ApiError;

/// What every handler can reach: one reference-counted pointer, so that each layer and
/// extractor that takes the state clones a single `Arc`.
#[derive(Clone)]
pub(crate) struct AppState(Arc<AppStateInner>);

impl AppState {
    pub(crate) fn new(inner: AppStateInner) -> Self {
        Self(Arc::new(inner))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;

    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// The parts of [`AppState`].
pub(crate) struct AppStateInner {
    pub(crate) engine: Engine,
    pub(crate) auth: Arc<Auth>,
    pub(crate) limiter: Arc<RateLimiter>,
    pub(crate) idempotency: IdempotencyStore,
    pub(crate) faults: Arc<Faults>,
    pub(crate) journal: Arc<RequestJournal>,
    pub(crate) webhooks: crate::webhooks::Webhooks,
    pub(crate) config: Arc<MockConfig>,
    pub(crate) state_file: Option<std::path::PathBuf>,
}

/// The request's identity and tracing context, set by the middleware.
#[derive(Clone, Debug)]
pub(crate) struct RequestContext {
    pub(crate) request_id: String,
    pub(crate) traceparent: Option<String>,
    pub(crate) actor: Option<String>,
}

impl RequestContext {
    pub(crate) fn call(&self) -> CallContext {
        CallContext {
            request_id: Some(self.request_id.clone()),
            traceparent: self.traceparent.clone(),
            actor: self.actor.clone(),
        }
    }
}

/// The whole router: `/api/v1`, `/health`, and the fallbacks.
pub(crate) fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/workflows", post(workflows::create).get(workflows::list))
        .route("/workflows/validate", post(workflows::validate))
        .route("/workflows/instances", get(instances::list))
        .route("/workflows/instances/{id}", get(instances::get))
        .route("/workflows/instances/{id}/resume", post(instances::resume))
        .route("/workflows/instances/{id}/cancel", post(instances::cancel))
        .route("/workflows/errors", get(history::errors))
        .route("/workflows/instances/{id}/history", get(history::history))
        .route(
            "/workflows/instances/{id}/events/{evt}",
            get(history::event),
        )
        .route("/workflows/instances/{id}/threads", get(instances::threads))
        .route(
            "/workflows/instances/{id}/threads/{tid}/resume",
            post(instances::resume_thread),
        )
        .route(
            "/workflows/{name}/versions",
            get(workflows::versions).post(workflows::add_version),
        )
        .route(
            "/workflows/{name}/versions/{id}/publish",
            post(workflows::publish),
        )
        .route("/workflows/{name}/instances", post(instances::create))
        // Webhook subscription routes.
        .route(
            "/webhooks/subscriptions",
            post(webhooks::create).get(webhooks::list),
        )
        .route("/webhooks/subscriptions/{id}", delete(webhooks::delete))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::authenticate,
        ));

    // Admin routes (`/_mock/…`): no token, outside the API's envelope rules.
    let admin = Router::new()
        .route("/reset", post(admin::reset))
        .route("/clock", get(admin::clock))
        .route("/clock/advance", post(admin::advance))
        .route("/clock/set", post(admin::set_clock))
        .route("/clock/freeze", post(admin::freeze))
        .route(
            "/http-stubs",
            post(admin::add_stub).delete(admin::clear_stubs),
        )
        .route("/http-calls", get(admin::http_calls))
        .route("/requests", get(admin::requests))
        .route(
            "/faults",
            post(admin::add_fault)
                .get(admin::faults)
                .delete(admin::clear_faults),
        )
        .route("/secrets/{name}", axum::routing::put(admin::put_secret))
        .route("/clients", post(admin::add_client))
        .route("/ai-replies", post(admin::add_ai_reply))
        .route("/state", get(admin::export_state).put(admin::import_state))
        .route("/state/save", post(admin::save_state))
        .route("/deliveries", get(webhooks::deliveries))
        .route("/deliveries/{id}/replay", post(webhooks::replay));

    let oauth = Router::new()
        .route("/api/v1/oauth/token", post(oauth::token))
        .route("/api/v1/oauth/revoke", post(oauth::revoke))
        .route("/oauth/token", post(oauth::plain_token))
        .route("/oauth/revoke", post(oauth::plain_revoke));

    Router::new()
        .nest("/api/v1", api)
        .merge(oauth)
        .nest("/_mock", admin)
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::request_context,
        ))
        .with_state(state)
}

async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "status": "ok",
        "timestamp": state.engine.clock().now(),
    }))
}

async fn metrics(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    let content_type = [(
        axum::http::header::CONTENT_TYPE,
        "text/plain; version=0.0.4",
    )];
    (content_type, state.engine.metrics_text())
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        format!("No route for {}", uri.path()),
    )
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::Unknown("method_not_allowed".to_owned()),
        format!("{} is not allowed on {}", method, uri.path()),
    )
}

/// Runs blocking engine work off the async executor.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, crate::engine::EngineError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(err) => {
            tracing::error!(error = %err, "engine task ended abnormally");
            Err(ApiError::internal(
                "The engine failed while handling the request",
            ))
        }
    }
}

//! The admin API under `/_mock/`: the controls a test needs. No token; success bodies use
//! the same `{"data": …}` envelope as the API.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::body::{DEFINITION_LIMIT, parse_json, read_limited};
use super::response::{ApiError, ok};
use super::{AppState, Fault};
use crate::auth::ClientRegistration;
use crate::config::AiReply;
use crate::engine::http::HttpStub;

/// Largest admin body (state imports can be big).
const ADMIN_LIMIT: usize = 256 * 1024 * 1024;

async fn json_body<T: serde::de::DeserializeOwned>(
    body: Body,
    limit: usize,
) -> Result<T, ApiError> {
    let bytes = read_limited(body, limit).await?;
    parse_json(&bytes)
}

/// The clock as `GET /_mock/clock` shows it.
#[derive(Debug, Serialize)]
struct ClockView {
    now: DateTime<Utc>,
    frozen: bool,
}

fn clock_view(state: &AppState) -> ClockView {
    let clock = state.engine.clock();
    ClockView {
        now: clock.now(),
        frozen: clock.is_frozen(),
    }
}

/// `POST /_mock/reset`
pub(super) async fn reset(State(state): State<AppState>) -> Result<Response, ApiError> {
    state.reset().await?;
    Ok(ok(json!({ "reset": true })).into_response())
}

/// `GET /_mock/clock`
pub(super) async fn clock(State(state): State<AppState>) -> Response {
    ok(clock_view(&state)).into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct Advance {
    seconds: f64,
}

/// Whether the clock may read `at`: years 1970 to 9999, far from chrono's limits, so that
/// no later arithmetic on the clock can overflow.
fn within_clock_range(at: DateTime<Utc>) -> bool {
    (1970..=9999).contains(&chrono::Datelike::year(&at))
}

fn out_of_range(path: &str) -> ApiError {
    ApiError::invalid_request(
        "The clock must stay between the years 1970 and 9999",
        json!({ "path": path }),
    )
}

/// `POST /_mock/clock/advance {"seconds"}`
pub(super) async fn advance(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, ApiError> {
    let Advance { seconds } = json_body(body, DEFINITION_LIMIT).await?;
    if !seconds.is_finite() || seconds.abs() > 1e10 {
        return Err(ApiError::invalid_request(
            "seconds must be a finite number of seconds",
            json!({ "path": "seconds" }),
        ));
    }
    #[allow(clippy::cast_possible_truncation)]
    let millis = (seconds * 1000.0).round() as i64;
    let by = chrono::Duration::milliseconds(millis);
    let target = state.engine.clock().now().checked_add_signed(by);
    if !target.is_some_and(within_clock_range) {
        return Err(out_of_range("seconds"));
    }
    state.engine.clock().advance(by);
    state.clock_moved().await;
    Ok(ok(clock_view(&state)).into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct SetClock {
    now: DateTime<Utc>,
}

/// `POST /_mock/clock/set {"now"}`
pub(super) async fn set_clock(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, ApiError> {
    let SetClock { now } = json_body(body, DEFINITION_LIMIT).await?;
    if !within_clock_range(now) {
        return Err(out_of_range("now"));
    }
    state.engine.clock().set(now);
    state.clock_moved().await;
    Ok(ok(clock_view(&state)).into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct Freeze {
    frozen: bool,
}

/// `POST /_mock/clock/freeze {"frozen"}`
pub(super) async fn freeze(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, ApiError> {
    let Freeze { frozen } = json_body(body, DEFINITION_LIMIT).await?;
    state.engine.clock().freeze(frozen);
    state.clock_moved().await;
    Ok(ok(clock_view(&state)).into_response())
}

/// `POST /_mock/http-stubs`
pub(super) async fn add_stub(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, ApiError> {
    let stub: HttpStub = json_body(body, DEFINITION_LIMIT).await?;
    state.engine.http().add_stub(stub.clone());
    Ok((StatusCode::CREATED, Json(json!({ "data": stub }))).into_response())
}

/// `DELETE /_mock/http-stubs`
pub(super) async fn clear_stubs(State(state): State<AppState>) -> Response {
    state.engine.http().clear_stubs();
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_mock/http-calls`
pub(super) async fn http_calls(State(state): State<AppState>) -> Response {
    ok(json!({ "calls": state.engine.http().calls() })).into_response()
}

/// `GET /_mock/requests`
pub(super) async fn requests(State(state): State<AppState>) -> Response {
    ok(json!({ "requests": state.journal.entries() })).into_response()
}

/// `POST /_mock/faults`
pub(super) async fn add_fault(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, ApiError> {
    let fault: Fault = json_body(body, DEFINITION_LIMIT).await?;
    if fault.status.is_some_and(|s| !(100..=599).contains(&s)) {
        return Err(ApiError::invalid_request(
            "status must be an HTTP status",
            json!({ "path": "status" }),
        ));
    }
    state.faults.add(fault.clone());
    Ok((StatusCode::CREATED, Json(json!({ "data": fault }))).into_response())
}

/// `GET /_mock/faults`
pub(super) async fn faults(State(state): State<AppState>) -> Response {
    ok(json!({ "faults": state.faults.pending() })).into_response()
}

/// `DELETE /_mock/faults`
pub(super) async fn clear_faults(State(state): State<AppState>) -> Response {
    state.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct SecretBody {
    value: Value,
}

/// `PUT /_mock/secrets/{name}` with `{"value": …}`
pub(super) async fn put_secret(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let SecretBody { value } = json_body(body, DEFINITION_LIMIT).await?;
    state.engine.set_secret(name.clone(), value);
    Ok(ok(json!({ "name": name })).into_response())
}

/// `POST /_mock/clients`
pub(super) async fn add_client(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, ApiError> {
    let client: ClientRegistration = json_body(body, DEFINITION_LIMIT).await?;
    if client.client_id.is_empty() || client.client_secret.is_empty() {
        return Err(ApiError::invalid_request(
            "client_id and client_secret must not be empty",
            json!({ "path": "client_id" }),
        ));
    }
    let view = json!({
        "client_id": client.client_id,
        "scopes": client.scopes,
        "namespaces": client.namespaces,
    });
    state.auth.add_client(client);
    Ok((StatusCode::CREATED, Json(json!({ "data": view }))).into_response())
}

/// `POST /_mock/ai-replies`
pub(super) async fn add_ai_reply(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, ApiError> {
    let reply: AiReply = json_body(body, DEFINITION_LIMIT).await?;
    state.engine.set_ai_reply(
        &reply.workflow_name,
        &reply.state,
        reply.instruction.clone(),
    );
    Ok((StatusCode::CREATED, Json(json!({ "data": reply }))).into_response())
}

/// `GET /_mock/state`
pub(super) async fn export_state(State(state): State<AppState>) -> Result<Response, ApiError> {
    let snapshot = state.export().await?;
    Ok(ok(snapshot).into_response())
}

/// `PUT /_mock/state`
pub(super) async fn import_state(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, ApiError> {
    let snapshot: Value = json_body(body, ADMIN_LIMIT).await?;
    // Accept the export as it came, with or without its envelope.
    let snapshot = match snapshot {
        Value::Object(mut map) if map.contains_key("data") && map.len() == 1 => {
            map.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    };
    let snapshot = serde_json::from_value(snapshot).map_err(|err| {
        ApiError::invalid_request(
            format!("The state does not fit: {err}"),
            json!({ "path": "" }),
        )
    })?;
    state.import(snapshot).await?;
    Ok(ok(json!({ "imported": true })).into_response())
}

/// `POST /_mock/state/save`: writes the state file now.
pub(super) async fn save_state(State(state): State<AppState>) -> Result<Response, ApiError> {
    match state.save().await? {
        Some(path) => Ok(ok(json!({ "saved": path.display().to_string() })).into_response()),
        None => Err(ApiError::invalid_request(
            "The mock was started without a state file",
            json!({ "path": "state_file" }),
        )),
    }
}

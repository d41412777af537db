//! History handlers: `/workflows/instances/{id}/history`, `/…/events/{evt}`, and
//! `/workflows/errors`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use interactor_client::model::HistoryEventType;
use serde_json::json;

use super::instances::visible;
use super::response::{ApiError, ok};
use super::{AppState, blocking};
use crate::auth::Principal;
use crate::engine::{ErrorQuery, HistoryQuery};
use axum::Extension;

type RawQuery = Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

fn params(raw: RawQuery) -> Result<HashMap<String, String>, ApiError> {
    raw.map(|Query(map)| map)
        .map_err(|err| ApiError::invalid_request(err.body_text(), json!({ "path": "query" })))
}

fn bad(name: &str, message: String) -> ApiError {
    ApiError::invalid_request(message, json!({ "path": name }))
}

fn limit(params: &HashMap<String, String>) -> Result<Option<usize>, ApiError> {
    params
        .get("limit")
        .map(|v| {
            v.parse()
                .map_err(|_| bad("limit", format!("limit must be a whole number, not '{v}'")))
        })
        .transpose()
}

fn time(params: &HashMap<String, String>, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    params
        .get(name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.to_utc())
                .map_err(|_| {
                    bad(
                        name,
                        format!("{name} must be an ISO 8601 timestamp, not '{v}'"),
                    )
                })
        })
        .transpose()
}

fn flag(params: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match params.get(name).map(String::as_str) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1" | "") => Ok(true),
        Some(other) => Err(bad(
            name,
            format!("{name} must be true or false, not '{other}'"),
        )),
    }
}

fn types(params: &HashMap<String, String>) -> Result<Vec<HistoryEventType>, ApiError> {
    let Some(list) = params.get("types") else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| match serde_json::from_value(json!(t)) {
            Ok(HistoryEventType::Unknown(_)) | Err(_) => Err(bad(
                "types",
                format!("'{t}' is not an event type (transition, step, halt, error, lifecycle)"),
            )),
            Ok(kind) => Ok(kind),
        })
        .collect()
}

/// `GET /workflows/instances/{id}/history`
pub(super) async fn history(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    raw: RawQuery,
) -> Result<Response, ApiError> {
    let params = params(raw)?;
    visible(&state, &principal, &id).await?;
    let query = HistoryQuery {
        limit: limit(&params)?,
        cursor: params.get("cursor").cloned(),
        types: types(&params)?,
        since: time(&params, "since")?,
        until: time(&params, "until")?,
        thread: params.get("thread").cloned(),
        include_data: flag(&params, "include_data")?,
    };
    let engine = state.engine.clone();
    let page = blocking(move || engine.history(&id, &query)).await?;
    Ok(ok(page).into_response())
}

/// `GET /workflows/instances/{id}/events/{evt}`
pub(super) async fn event(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, event_id)): Path<(String, String)>,
    raw: RawQuery,
) -> Result<Response, ApiError> {
    let include_data = flag(&params(raw)?, "include_data")?;
    visible(&state, &principal, &id).await?;
    let engine = state.engine.clone();
    let event = blocking(move || engine.event(&id, &event_id, include_data)).await?;
    Ok(ok(event).into_response())
}

/// `GET /workflows/errors`
pub(super) async fn errors(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    raw: RawQuery,
) -> Result<Response, ApiError> {
    let params = params(raw)?;
    let query = ErrorQuery {
        limit: limit(&params)?,
        cursor: params.get("cursor").cloned(),
        since: time(&params, "since")?,
        until: time(&params, "until")?,
        workflow_name: params.get("workflow_name").cloned(),
        namespace: params.get("namespace").cloned(),
    };
    let engine = state.engine.clone();
    let list = blocking(move || engine.errors(&query, |ns| principal.owns(ns))).await?;
    Ok(ok(list).into_response())
}

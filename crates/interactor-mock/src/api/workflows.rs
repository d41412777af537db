//! `/workflows` and `/workflows/{name}/versions` handlers.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::response::Response;
use interactor_client::model::{VersionList, WorkflowList};
use serde_json::Value;

use super::AppState;
use super::body::{DEFINITION_LIMIT, parse_json, read_limited};
use super::response::{ApiError, created, ok};

async fn definition(body: Body) -> Result<(Value, usize), ApiError> {
    let bytes = read_limited(body, DEFINITION_LIMIT).await?;
    let raw: Value = parse_json(&bytes)?;
    Ok((raw, bytes.len()))
}

/// `POST /workflows`
pub(super) async fn create(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, ApiError> {
    let (raw, size) = definition(body).await?;
    let version = state.engine.create_workflow(&raw, size)?;
    Ok(created(version).into_response())
}

/// `POST /workflows/validate`
pub(super) async fn validate(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, ApiError> {
    let (raw, size) = definition(body).await?;
    Ok(ok(state.engine.validate(&raw, size)).into_response())
}

/// `GET /workflows`
pub(super) async fn list(State(state): State<AppState>) -> Response {
    ok(WorkflowList {
        workflows: state.engine.list_workflows(),
    })
    .into_response()
}

/// `GET /workflows/{name}/versions`
pub(super) async fn versions(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let versions = state.engine.list_versions(&name)?;
    Ok(ok(VersionList { versions }).into_response())
}

/// `POST /workflows/{name}/versions`
pub(super) async fn add_version(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let (raw, size) = definition(body).await?;
    let version = state.engine.add_version(&name, &raw, size)?;
    Ok(created(version).into_response())
}

/// `POST /workflows/{name}/versions/{id}/publish`
pub(super) async fn publish(
    State(state): State<AppState>,
    Path((name, version_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let version = state.engine.publish(&name, &version_id)?;
    Ok(ok(version).into_response())
}

//! `/workflows/{name}/instances` and `/workflows/instances/…` handlers.

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use interactor_client::model::{
    CreateInstanceRequest, InstanceList, InstanceStatus, ResumeRequest, ThreadList,
};
use serde::Deserialize;

use super::body::{INPUT_LIMIT, parse_json, read_limited};
use super::response::{ApiError, created, ok};
use super::{AppState, RequestContext, blocking};
use crate::engine::InstanceFilter;

/// `POST /workflows/{name}/instances`
pub(super) async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    Path(name): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_limited(body, INPUT_LIMIT).await?;
    let request: CreateInstanceRequest = parse_json(&bytes)?;
    let engine = state.engine.clone();
    let call = ctx.call();
    let instance = blocking(move || engine.create_instance(&name, request, &call)).await?;
    Ok(created(instance).into_response())
}

/// Query of `GET /workflows/instances`.
#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    namespace: Option<String>,
    workflow_name: Option<String>,
    status: Option<String>,
}

/// `GET /workflows/instances`
pub(super) async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|err| {
        ApiError::invalid_request(err.body_text(), serde_json::json!({ "path": "query" }))
    })?;
    let status = query
        .status
        .map(|s| match serde_json::from_value::<InstanceStatus>(serde_json::Value::String(s.clone())) {
            Ok(InstanceStatus::Unknown(_)) | Err(_) => Err(ApiError::invalid_request(
                format!(
                    "'{s}' is not an instance status (running, halted, completed, failed, cancelled)"
                ),
                serde_json::json!({ "path": "status" }),
            )),
            Ok(status) => Ok(status),
        })
        .transpose()?;
    let filter = InstanceFilter {
        namespace: query.namespace,
        workflow_name: query.workflow_name,
        status,
    };
    let engine = state.engine.clone();
    let instances = blocking(move || Ok(engine.list_instances(&filter))).await?;
    Ok(ok(InstanceList { instances }).into_response())
}

/// `GET /workflows/instances/{id}`
pub(super) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let engine = state.engine.clone();
    let instance = blocking(move || engine.get_instance(&id)).await?;
    Ok(ok(instance).into_response())
}

/// `GET /workflows/instances/{id}/threads`
pub(super) async fn threads(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let engine = state.engine.clone();
    let threads = blocking(move || engine.threads(&id)).await?;
    Ok(ok(ThreadList { threads }).into_response())
}

async fn resume_request(body: Body) -> Result<ResumeRequest, ApiError> {
    let bytes = read_limited(body, INPUT_LIMIT).await?;
    parse_json(&bytes)
}

/// `POST /workflows/instances/{id}/resume`
pub(super) async fn resume(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    Path(id): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let request = resume_request(body).await?;
    let engine = state.engine.clone();
    let call = ctx.call();
    let instance = blocking(move || engine.resume(&id, None, request, &call)).await?;
    Ok(ok(instance).into_response())
}

/// `POST /workflows/instances/{id}/threads/{tid}/resume`
pub(super) async fn resume_thread(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    Path((id, thread)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let request = resume_request(body).await?;
    let engine = state.engine.clone();
    let call = ctx.call();
    let instance = blocking(move || engine.resume(&id, Some(&thread), request, &call)).await?;
    Ok(ok(instance).into_response())
}

/// `POST /workflows/instances/{id}/cancel`
pub(super) async fn cancel(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let engine = state.engine.clone();
    let call = ctx.call();
    let instance = blocking(move || engine.cancel(&id, &call)).await?;
    Ok(ok(instance).into_response())
}

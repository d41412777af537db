//! `/workflows/{name}/instances` and `/workflows/instances/…` handlers.

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use interactor_client::model::{
    CreateInstanceRequest, ErrorCode, InstanceList, InstanceStatus, ResumeRequest, ThreadList,
};
use serde::Deserialize;

use super::body::{INPUT_LIMIT, parse_json, read_limited};
use super::response::{ApiError, created, ok};
use super::{AppState, RequestContext, blocking, keyed};
use crate::auth::Principal;
use crate::engine::InstanceFilter;

/// Fails with `instance_not_found` unless the token may reach the instance's namespace,
/// so that instances of other namespaces do not even show that they exist.
pub(super) async fn visible(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), ApiError> {
    if principal.namespaces.is_none() {
        return Ok(());
    }
    let namespace = state.engine.instance_namespace(id)?;
    if principal.owns(&namespace) {
        Ok(())
    } else {
        Err(crate::engine::EngineError::new(
            ErrorCode::InstanceNotFound,
            format!("Instance '{id}' not found"),
        )
        .into())
    }
}

/// `POST /workflows/{name}/instances`
pub(super) async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_limited(body, INPUT_LIMIT).await?;
    let request: CreateInstanceRequest = parse_json(&bytes)?;
    let namespace = request
        .namespace
        .as_deref()
        .unwrap_or(crate::engine::DEFAULT_NAMESPACE);
    if !principal.owns(namespace) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("This token may not create instances in namespace '{namespace}'"),
        ));
    }

    let engine = state.engine.clone();
    let call = ctx.call();
    let work = async move {
        let instance = blocking(move || engine.create_instance(&name, request, &call)).await?;
        Ok(created(instance).into_response())
    };
    keyed::run(
        &state,
        &principal,
        &headers,
        "POST",
        uri.path(),
        &bytes,
        work,
    )
    .await
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
    Extension(principal): Extension<Principal>,
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
    let mut instances = blocking(move || Ok(engine.list_instances(&filter))).await?;
    instances.retain(|i| i.namespace.as_deref().is_none_or(|ns| principal.owns(ns)));
    Ok(ok(InstanceList { instances }).into_response())
}

/// `GET /workflows/instances/{id}`
pub(super) async fn get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    visible(&state, &principal, &id).await?;
    let instance = match state.engine.try_get_instance(&id) {
        Some(instance) => instance?,
        None => {
            let engine = state.engine.clone();
            blocking(move || engine.get_instance(&id)).await?
        }
    };
    Ok(ok(instance).into_response())
}

/// `GET /workflows/instances/{id}/threads`
pub(super) async fn threads(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    visible(&state, &principal, &id).await?;
    let engine = state.engine.clone();
    let threads = blocking(move || engine.threads(&id)).await?;
    Ok(ok(ThreadList { threads }).into_response())
}

/// Everything a resume handler needs, taken from the request.
pub(super) struct ResumeCall {
    ctx: RequestContext,
    principal: Principal,
    uri: Uri,
    headers: HeaderMap,
}

async fn resume_any(
    state: AppState,
    call: ResumeCall,
    id: String,
    thread: Option<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_limited(body, INPUT_LIMIT).await?;
    let request: ResumeRequest = parse_json(&bytes)?;
    visible(&state, &call.principal, &id).await?;

    let engine = state.engine.clone();
    let ctx = call.ctx.call();
    let work = async move {
        let instance =
            blocking(move || engine.resume(&id, thread.as_deref(), request, &ctx)).await?;
        Ok(ok(instance).into_response())
    };
    keyed::run(
        &state,
        &call.principal,
        &call.headers,
        "POST",
        call.uri.path(),
        &bytes,
        work,
    )
    .await
}

/// `POST /workflows/instances/{id}/resume`
pub(super) async fn resume(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    resume_any(
        state,
        ResumeCall {
            ctx,
            principal,
            uri,
            headers,
        },
        id,
        None,
        body,
    )
    .await
}

/// `POST /workflows/instances/{id}/threads/{tid}/resume`
pub(super) async fn resume_thread(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    Path((id, thread)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    resume_any(
        state,
        ResumeCall {
            ctx,
            principal,
            uri,
            headers,
        },
        id,
        Some(thread),
        body,
    )
    .await
}

/// `POST /workflows/instances/{id}/cancel`
pub(super) async fn cancel(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    visible(&state, &principal, &id).await?;
    let engine = state.engine.clone();
    let call = ctx.call();
    let instance = blocking(move || engine.cancel(&id, &call)).await?;
    Ok(ok(instance).into_response())
}

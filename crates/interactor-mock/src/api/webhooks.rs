//! `/webhooks/subscriptions` handlers, and the delivery admin routes
//! (`/_mock/deliveries`).
//!
//! The admin routes answer in the API's `{"data": ...}` envelope too:
//! `GET /_mock/deliveries` with `{"data": {"deliveries": [...]}}`, and
//! `POST /_mock/deliveries/{id}/replay` with `202 Accepted` and `{"data": delivery}`
//! (the attempt itself is made by the dispatcher right after).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use interactor_client::model::{CreateSubscriptionRequest, ErrorCode, SubscriptionList};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::AppState;
use super::body::{INPUT_LIMIT, parse_json, read_limited};
use super::response::{ApiError, Data, created, ok};
use crate::webhooks::{Delivery, DeliveryFilter, DeliveryStatus, WebhookError};

/// Fields a subscription request cannot do without.
const REQUIRED_FIELDS: [&str; 3] = ["url", "events", "secret"];

/// `POST /webhooks/subscriptions`
pub(super) async fn create(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_limited(body, INPUT_LIMIT).await?;
    let raw: Value = parse_json(&bytes)?;
    let Some(object) = raw.as_object() else {
        return Err(ApiError::invalid_request(
            "The body must be a JSON object",
            json!({ "path": "" }),
        ));
    };
    if let Some(missing) = REQUIRED_FIELDS
        .iter()
        .find(|field| !object.contains_key(**field))
    {
        return Err(ApiError::invalid_request(
            format!("Property '{missing}' is required"),
            json!({ "path": missing }),
        ));
    }

    let request: CreateSubscriptionRequest = parse_json(&bytes)?;
    let subscription = state.webhooks.subscribe(request).map_err(ApiError::from)?;
    Ok(created(subscription).into_response())
}

/// `GET /webhooks/subscriptions`
pub(super) async fn list(State(state): State<AppState>) -> Response {
    let subscriptions = state.webhooks.subscriptions();
    ok(SubscriptionList { subscriptions }).into_response()
}

/// `DELETE /webhooks/subscriptions/{id}`: `204 No Content`, empty body.
pub(super) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.webhooks.unsubscribe(&id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Query of `GET /_mock/deliveries`.
#[derive(Debug, Deserialize)]
pub(super) struct DeliveriesQuery {
    status: Option<String>,
    subscription_id: Option<String>,
}

/// The body of `GET /_mock/deliveries`.
#[derive(Serialize)]
struct DeliveryList {
    deliveries: Vec<Delivery>,
}

/// `GET /_mock/deliveries?status=pending|succeeded|dead&subscription_id=`
pub(super) async fn deliveries(
    State(state): State<AppState>,
    query: Result<Query<DeliveriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query
        .map_err(|err| ApiError::invalid_request(err.body_text(), json!({ "path": "query" })))?;
    let mut filter = DeliveryFilter::all();
    if let Some(status) = query.status {
        let status = status.parse::<DeliveryStatus>().map_err(|err| {
            ApiError::invalid_request(err.to_string(), json!({ "path": "status" }))
        })?;
        filter = filter.status(status);
    }
    if let Some(subscription_id) = query.subscription_id {
        filter = filter.subscription(subscription_id);
    }

    let deliveries = state.webhooks.deliveries(&filter);
    Ok(ok(DeliveryList { deliveries }).into_response())
}

/// `POST /_mock/deliveries/{id}/replay`
pub(super) async fn replay(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let delivery = state.webhooks.replay(&id)?;
    Ok(Data(StatusCode::ACCEPTED, delivery).into_response())
}

impl From<WebhookError> for ApiError {
    fn from(err: WebhookError) -> Self {
        let message = err.to_string();
        match err {
            WebhookError::Invalid { path, .. } => {
                ApiError::invalid_request(message, json!({ "path": path }))
            }
            WebhookError::SubscriptionNotFound(id) => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::SubscriptionNotFound,
                message,
            )
            .with_details(json!({ "subscription_id": id })),
            WebhookError::DeliveryNotFound(id) => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::Unknown("delivery_not_found".to_owned()),
                message,
            )
            .with_details(json!({ "delivery_id": id })),
        }
    }
}

//! The axum extractor (feature `axum`).
//!
//! [`VerifiedDelivery`] implements axum's `FromRequest`: it reads the raw body up to the
//! verifier's [`max_body_size`](Verifier::max_body_size), verifies it with the
//! [`Verifier`] taken from the router state through `FromRef`, applies the replay guard
//! when one is configured, and hands the handler the typed event and its metadata. A
//! rejected delivery gets the status of its [`Error`] (401, 400 or 413) and the JSON body
//! `{"error": {"code": ..., "message": ...}}`.
//!
//! # Examples
//!
//! ```no_run
//! use axum::{Router, routing::post};
//! use interactor_webhook::{Event, Verifier, VerifiedDelivery};
//!
//! async fn webhook(delivery: VerifiedDelivery) -> &'static str {
//!     match &delivery.event {
//!         Event::InstanceHalted(halted) => {
//!             println!("{} waits in {:?}", halted.data.instance_id, halted.data.current_state);
//!         }
//!         Event::InstanceCompleted(done) => println!("{} completed", done.data.instance_id),
//!         other => println!("ignoring {}", other.name()),
//!     }
//!     "ok"
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new(std::env::var("WEBHOOK_SECRET")?)?;
//! let app = Router::new()
//!     .route("/webhooks/workflows", post(webhook))
//!     .with_state(verifier);
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! With a larger application state, implement `FromRef<AppState> for Verifier` (or derive
//! it with axum's `FromRef` macro) and the extractor finds the verifier there. To answer
//! rejections yourself, extract `Result<VerifiedDelivery, interactor_webhook::Error>`.

use std::pin::Pin;

use axum::Json;
use axum::body::{Body, HttpBody};
use axum::extract::{FromRef, FromRequest, Request};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use http::StatusCode;

use crate::error::Error;
use crate::header;
use crate::verifier::{VerifiedDelivery, Verifier};

impl<S> FromRequest<S> for VerifiedDelivery
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let (parts, body) = request.into_parts();

        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        let body = match read_body(body, declared, verifier.max_body_size()).await {
            Ok(body) => body,
            Err(error) => {
                let delivery_id = parts
                    .headers
                    .get(header::DELIVERY)
                    .and_then(|value| value.to_str().ok());
                crate::error::log_rejection(&error, delivery_id);
                return Err(error);
            }
        };

        verifier.verify(&parts.headers, &body)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
        (status, Json(self.to_json_body())).into_response()
    }
}

/// Reads `body` into memory, refusing anything beyond `limit` bytes: up front when the
/// declared length says so, otherwise as soon as the received bytes pass the limit.
async fn read_body(mut body: Body, declared: Option<u64>, limit: usize) -> Result<Bytes, Error> {
    let too_large = || Error::PayloadTooLarge { limit };
    if declared.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return Err(too_large());
    }

    // A body that arrives in one frame is kept as is; only several frames are copied.
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    let mut received = 0_usize;

    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|error| Error::BodyRead {
            message: error.to_string(),
        })?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers carry nothing that is signed
        };

        received = received.saturating_add(data.len());
        if received > limit {
            return Err(too_large());
        }
        match (&mut joined, first.take()) {
            (Some(buffer), _) => buffer.extend_from_slice(&data),
            (None, None) => first = Some(data),
            (None, Some(previous)) => {
                let mut buffer = BytesMut::with_capacity(received);
                buffer.extend_from_slice(&previous);
                buffer.extend_from_slice(&data);
                joined = Some(buffer);
            }
        }
    }

    Ok(match joined {
        Some(buffer) => buffer.freeze(),
        None => first.unwrap_or_default(),
    })
}

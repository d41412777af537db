//! The actix-web extractor (feature `actix`).
//!
//! [`VerifiedDelivery`] implements actix-web's `FromRequest`: it reads the raw payload up
//! to the verifier's [`max_body_size`](Verifier::max_body_size), verifies it with the
//! [`Verifier`] registered as app data (`web::Data<Verifier>` or a plain `Verifier`),
//! applies the replay guard when one is configured, and hands the handler the typed event
//! and its metadata. [`Error`] implements `ResponseError`: a rejected delivery gets 401,
//! 400 or 413 and the JSON body `{"error": {"code": ..., "message": ...}}`. Without a
//! registered verifier the extractor answers 500. To answer rejections yourself, extract
//! `Result<VerifiedDelivery, actix_web::Error>` and downcast with
//! `error.as_error::<interactor_webhook::Error>()`.
//!
//! # Examples
//!
//! ```no_run
//! use actix_web::{App, HttpResponse, HttpServer, web};
//! use interactor_webhook::{Event, Verifier, VerifiedDelivery};
//!
//! async fn webhook(delivery: VerifiedDelivery) -> HttpResponse {
//!     if let Event::InstanceFailed(failed) = &delivery.event {
//!         println!("{} failed: {:?}", failed.data.instance_id, failed.data.error);
//!     }
//!     HttpResponse::Ok().json(serde_json::json!({ "received": true }))
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let verifier = web::Data::new(Verifier::new(std::env::var("WEBHOOK_SECRET")?)?);
//!     HttpServer::new(move || {
//!         App::new()
//!             .app_data(verifier.clone())
//!             .route("/webhooks/workflows", web::post().to(webhook))
//!     })
//!     .bind(("127.0.0.1", 3000))?
//!     .run()
//!     .await?;
//!     Ok(())
//! }
//! ```

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;

use crate::error::Error;
use crate::header;
use crate::verifier::{VerifiedDelivery, Verifier};

impl FromRequest for VerifiedDelivery {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let verifier = request
            .app_data::<Data<Verifier>>()
            .map(|data| data.get_ref().clone())
            .or_else(|| request.app_data::<Verifier>().cloned());
        let request = request.clone();
        let payload = payload.take();

        Box::pin(async move {
            let Some(verifier) = verifier else {
                tracing::warn!(
                    target: crate::LOG_TARGET,
                    "no `Verifier` registered as app data; webhook deliveries cannot be verified"
                );
                return Err(actix_web::error::ErrorInternalServerError(
                    "webhook verifier is not configured",
                ));
            };

            let headers = request.headers();
            let declared = headers
                .get(actix_web::http::header::CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse::<u64>().ok());
            let body = match read_payload(payload, declared, verifier.max_body_size()).await {
                Ok(body) => body,
                Err(error) => {
                    let delivery_id = headers
                        .get(header::DELIVERY)
                        .and_then(|value| value.to_str().ok());
                    crate::error::log_rejection(&error, delivery_id);
                    return Err(error.into());
                }
            };

            Ok(verifier.verify(headers, &body)?)
        })
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::UNAUTHORIZED)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(self.to_json_body())
    }
}

/// Reads the payload into memory, refusing anything beyond `limit` bytes: up front when
/// the declared length says so, otherwise as soon as the received bytes pass the limit.
async fn read_payload(
    mut payload: Payload,
    declared: Option<u64>,
    limit: usize,
) -> Result<Bytes, Error> {
    let too_large = || Error::PayloadTooLarge { limit };
    if declared.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return Err(too_large());
    }

    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| Error::BodyRead {
            message: error.to_string(),
        })?;
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

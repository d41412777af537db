//! The axum extractor, driven end to end through a router with `tower::ServiceExt::oneshot`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::FromRef;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use interactor_webhook::{
    DeliveryHeaders, HeaderLookup, MemoryReplayGuard, VerifiedDelivery, Verifier, header,
};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::{NOW, builder, signed_halted};

async fn handler(delivery: VerifiedDelivery) -> Json<Value> {
    Json(json!({
        "event": delivery.event_name,
        "delivery_id": delivery.delivery_id,
        "instance_id": delivery.event.data().map(|data| data.instance_id.clone()),
    }))
}

fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/webhooks", post(handler))
        .with_state(verifier)
}

fn request(headers: &DeliveryHeaders, body: Vec<u8>) -> Request<Body> {
    let mut request = Request::post("/webhooks");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.body(Body::from(body)).unwrap()
}

async fn send(app: Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn a_signed_delivery_reaches_the_handler() {
    let (headers, body) = signed_halted("del_1", NOW);

    let (status, answer) = send(app(crate::support::verifier()), request(&headers, body)).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["event"], "workflow.instance.halted");
    assert_eq!(answer["delivery_id"], "del_1");
    assert_eq!(answer["instance_id"], "inst_xyz");
}

#[tokio::test]
async fn a_bad_signature_is_answered_with_401_and_a_json_error() {
    let (headers, mut body) = signed_halted("del_1", NOW);
    body.push(b' ');

    let (status, answer) = send(app(crate::support::verifier()), request(&headers, body)).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"]["code"], "signature_mismatch");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("signature")
    );
}

#[tokio::test]
async fn a_malformed_signature_header_is_answered_with_400() {
    let (headers, body) = signed_halted("del_1", NOW);
    let mut request = request(&headers, body);
    request
        .headers_mut()
        .insert(header::SIGNATURE, "sha256=nothex".parse().unwrap());

    let (status, answer) = send(app(crate::support::verifier()), request).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["code"], "malformed_signature");
}

#[tokio::test]
async fn a_signed_body_that_is_not_an_event_is_answered_with_400() {
    let body = b"[1,2,3]".to_vec();
    let headers = DeliveryHeaders::new(
        crate::support::SECRET.as_bytes(),
        "workflow.instance.created",
        "del_1",
        NOW,
        0,
        &body,
    );

    let (status, answer) = send(app(crate::support::verifier()), request(&headers, body)).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["code"], "invalid_payload");
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_answered_with_413() {
    let (headers, body) = signed_halted("del_1", NOW);
    let verifier = builder().max_body_size(64).build().unwrap();
    let mut request = request(&headers, body.clone());
    request
        .headers_mut()
        .insert("content-length", body.len().into());

    let (status, answer) = send(app(verifier), request).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn an_undeclared_body_over_the_limit_is_answered_with_413() {
    let (headers, body) = signed_halted("del_1", NOW);
    let verifier = builder().max_body_size(body.len() - 1).build().unwrap();
    let request = request(&headers, body);
    assert!(request.headers().get("content-length").is_none());

    let (status, _) = send(app(verifier), request).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_replayed_delivery_is_answered_with_401() {
    let verifier = builder()
        .replay_guard(Arc::new(MemoryReplayGuard::new(8)))
        .build()
        .unwrap();
    let router = app(verifier);
    let (headers, body) = signed_halted("del_1", NOW);

    let (first, _) = send(router.clone(), request(&headers, body.clone())).await;
    let (second, answer) = send(router, request(&headers, body)).await;

    assert_eq!(first, StatusCode::OK);
    assert_eq!(second, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"]["code"], "replayed");
}

#[derive(Clone)]
struct AppState {
    verifier: Verifier,
}

impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

#[tokio::test]
async fn the_verifier_is_found_in_a_larger_state() {
    let state = AppState {
        verifier: crate::support::verifier(),
    };
    let router = Router::new()
        .route("/webhooks", post(handler))
        .with_state(state);
    let (headers, body) = signed_halted("del_1", NOW);

    let (status, _) = send(router, request(&headers, body)).await;

    assert_eq!(status, StatusCode::OK);
}

#[test]
fn http_header_maps_are_header_sources() {
    let (headers, _) = signed_halted("del_1", NOW);
    let request = request(&headers, Vec::new());

    assert_eq!(
        request.headers().header(header::DELIVERY),
        Some(&b"del_1"[..])
    );
    assert_eq!(
        request.headers().header("X-Interactor-Timestamp"),
        Some(&b"1705752000"[..])
    );
}

/// Bodies that arrive in several frames; the stream helpers come from `futures-util`, which
/// the `actix` feature brings in.
#[cfg(feature = "actix")]
mod streamed {
    use axum::body::{Body, Bytes};
    use axum::http::StatusCode;
    use futures_util::stream;

    use super::{NOW, request, send, signed_halted};

    fn chunked(chunks: Vec<Result<Bytes, std::io::Error>>) -> Body {
        Body::from_stream(stream::iter(chunks))
    }

    #[tokio::test]
    async fn a_body_in_several_frames_is_reassembled() {
        let (headers, body) = signed_halted("del_1", NOW);
        let chunks = body
            .chunks(100)
            .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
            .collect();
        let mut request = request(&headers, Vec::new());
        *request.body_mut() = chunked(chunks);

        let (status, answer) = send(super::app(crate::support::verifier()), request).await;

        assert_eq!(status, StatusCode::OK, "{answer}");
    }

    #[tokio::test]
    async fn a_body_that_breaks_off_is_answered_with_400() {
        let (headers, body) = signed_halted("del_1", NOW);
        let chunks = vec![
            Ok(Bytes::copy_from_slice(&body[..10])),
            Err(std::io::Error::other("connection reset")),
        ];
        let mut request = request(&headers, Vec::new());
        *request.body_mut() = chunked(chunks);

        let (status, answer) = send(super::app(crate::support::verifier()), request).await;

        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["error"]["code"], "body_read_failed");
    }

    #[tokio::test]
    async fn a_streamed_body_is_cut_off_at_the_limit() {
        let (headers, body) = signed_halted("del_1", NOW);
        let verifier = crate::support::builder()
            .max_body_size(150)
            .build()
            .unwrap();
        let chunks = body
            .chunks(100)
            .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
            .collect();
        let mut request = request(&headers, Vec::new());
        *request.body_mut() = chunked(chunks);

        let (status, _) = send(super::app(verifier), request).await;

        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}

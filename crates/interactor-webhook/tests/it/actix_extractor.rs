//! The actix-web extractor, driven end to end with `actix_web::test`.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, test, web};
use interactor_webhook::{DeliveryHeaders, MemoryReplayGuard, VerifiedDelivery, Verifier};
use serde_json::{Value, json};

use crate::support::{NOW, SECRET, builder, signed_halted};

async fn handler(delivery: VerifiedDelivery) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "event": delivery.event_name,
        "delivery_id": delivery.delivery_id,
        "retry_count": delivery.retry_count,
    }))
}

fn request(headers: &DeliveryHeaders, body: Vec<u8>) -> test::TestRequest {
    let mut request = test::TestRequest::post().uri("/webhooks");
    for (name, value) in headers {
        request = request.insert_header((name, value));
    }
    request.set_payload(body)
}

/// Sends each request in turn to one app holding `verifier` as `web::Data`.
async fn send_all(
    verifier: Verifier,
    requests: Vec<test::TestRequest>,
) -> Vec<(StatusCode, Value)> {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(verifier))
            .route("/webhooks", web::post().to(handler)),
    )
    .await;
    let mut answers = Vec::new();
    for request in requests {
        let response = test::call_service(&app, request.to_request()).await;
        let status = response.status();
        let body = test::read_body(response).await;
        answers.push((status, serde_json::from_slice(&body).unwrap_or(Value::Null)));
    }
    answers
}

async fn send(verifier: Verifier, request: test::TestRequest) -> (StatusCode, Value) {
    send_all(verifier, vec![request]).await.remove(0)
}

#[actix_web::test]
async fn a_signed_delivery_reaches_the_handler() {
    let body = crate::support::halted_body("del_1");
    let headers = DeliveryHeaders::new(
        SECRET.as_bytes(),
        "workflow.instance.halted",
        "del_1",
        NOW,
        4,
        &body,
    );

    let (status, answer) = send(crate::support::verifier(), request(&headers, body)).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["event"], "workflow.instance.halted");
    assert_eq!(answer["delivery_id"], "del_1");
    assert_eq!(answer["retry_count"], 4);
}

#[actix_web::test]
async fn a_stale_delivery_is_answered_with_401_and_a_json_error() {
    let (headers, body) = signed_halted("del_1", NOW - 3600);

    let (status, answer) = send(crate::support::verifier(), request(&headers, body)).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"]["code"], "timestamp_too_old");
}

#[actix_web::test]
async fn a_missing_timestamp_is_answered_with_401() {
    let (headers, body) = signed_halted("del_1", NOW);
    let mut request = test::TestRequest::post().uri("/webhooks");
    for (name, value) in headers
        .iter()
        .filter(|(name, _)| *name != "x-interactor-timestamp")
    {
        request = request.insert_header((name, value));
    }

    let (status, answer) = send(crate::support::verifier(), request.set_payload(body)).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"]["code"], "missing_header");
}

#[actix_web::test]
async fn an_event_header_that_disagrees_is_answered_with_400() {
    let (headers, body) = signed_halted("del_1", NOW);
    let request = request(&headers, body)
        .insert_header(("x-interactor-event", "workflow.instance.completed"));

    let (status, answer) = send(crate::support::verifier(), request).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["code"], "header_mismatch");
}

#[actix_web::test]
async fn a_body_over_the_limit_is_answered_with_413() {
    let (headers, body) = signed_halted("del_1", NOW);
    let verifier = builder().max_body_size(100).build().unwrap();

    let (status, answer) = send(verifier, request(&headers, body)).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer["error"]["code"], "payload_too_large");
}

#[actix_web::test]
async fn a_replayed_delivery_is_answered_with_401() {
    let verifier = builder()
        .replay_guard(Arc::new(MemoryReplayGuard::new(8)))
        .build()
        .unwrap();
    let (headers, body) = signed_halted("del_1", NOW);

    let answers = send_all(
        verifier,
        vec![request(&headers, body.clone()), request(&headers, body)],
    )
    .await;

    assert_eq!(answers[0].0, StatusCode::OK);
    assert_eq!(answers[1].0, StatusCode::UNAUTHORIZED);
    assert_eq!(answers[1].1["error"]["code"], "replayed");
}

#[actix_web::test]
async fn a_plain_verifier_in_app_data_is_found_too() {
    let app = test::init_service(
        App::new()
            .app_data(crate::support::verifier())
            .route("/webhooks", web::post().to(handler)),
    )
    .await;
    let (headers, body) = signed_halted("del_1", NOW);

    let response = test::call_service(&app, request(&headers, body).to_request()).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn without_a_verifier_the_extractor_answers_500() {
    let app = test::init_service(App::new().route("/webhooks", web::post().to(handler))).await;
    let (headers, body) = signed_halted("del_1", NOW);

    let response = test::call_service(&app, request(&headers, body).to_request()).await;

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[actix_web::test]
async fn actix_header_maps_are_header_sources() {
    use interactor_webhook::{HeaderLookup, header};

    let (headers, _) = signed_halted("del_1", NOW);
    let request = request(&headers, Vec::new()).to_http_request();

    assert_eq!(
        request.headers().header(header::DELIVERY),
        Some(&b"del_1"[..])
    );
}

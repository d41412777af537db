//! Error decoding, and waiting for an instance.

use std::time::Duration;

use interactor_client::Error;
use interactor_client::model::{ErrorCode, InstanceStatus};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, envelope, instance};

const INSTANCE_PATH: &str = "/api/v1/workflows/instances/inst_a";

#[tokio::test]
async fn api_errors_carry_status_code_message_details_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/instances/inst_a/resume"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({ "error": {
            "code": "concurrent_modification",
            "message": "Instance was modified by another request",
            "details": { "current_state": "approved", "expected_state": "await_approval" },
            "request_id": "req_01F8B6"
        } })))
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .resume("inst_a", json!({ "approved": true }))
        .await
        .unwrap_err();

    let Error::Api {
        status,
        code,
        message,
        request_id,
        attempts,
        ..
    } = &err
    else {
        panic!("expected an API error, got {err:?}");
    };
    assert_eq!(*status, 409);
    assert_eq!(*code, ErrorCode::ConcurrentModification);
    assert_eq!(message, "Instance was modified by another request");
    assert_eq!(request_id.as_deref(), Some("req_01F8B6"));
    assert_eq!(*attempts, 1);
    assert_eq!(err.details().unwrap()["current_state"], "approved");
    assert!(err.to_string().contains("req_01F8B6"), "{err}");
}

#[tokio::test]
async fn unknown_error_codes_are_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(ResponseTemplate::new(418).set_body_json(json!({ "error": {
            "code": "teapot_overflow", "message": "short and stout"
        } })))
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .get("inst_a")
        .await
        .unwrap_err();

    assert_eq!(
        err.code(),
        Some(&ErrorCode::Unknown("teapot_overflow".to_owned()))
    );
    assert_eq!(err.status(), Some(418));
}

#[tokio::test]
async fn a_non_json_error_keeps_the_status_and_the_header_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-request-id", "req_from_header")
                .set_body_string("<html>upstream exploded</html>"),
        )
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .get("inst_a")
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(500));
    assert_eq!(err.request_id(), Some("req_from_header"));
    assert_eq!(err.code(), Some(&ErrorCode::Unknown("http_500".to_owned())));
    assert!(err.to_string().contains("upstream exploded"), "{err}");
}

#[tokio::test]
async fn a_success_body_of_the_wrong_shape_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "req_odd")
                .set_body_json(json!({ "data": { "status": "running" } })),
        )
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .get("inst_a")
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    assert_eq!(err.request_id(), Some("req_odd"));
}

#[tokio::test]
async fn waiting_polls_until_the_instance_halts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "running"))),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "halted"))),
        )
        .mount(&server)
        .await;

    let halted = support::client(&server)
        .instances()
        .wait_for_completion("inst_a", Duration::from_secs(10))
        .await
        .unwrap();

    assert_eq!(halted.status, InstanceStatus::Halted);
    assert_eq!(support::received(&server).await.len(), 3);
}

#[tokio::test]
async fn waiting_gives_up_after_the_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "running"))),
        )
        .mount(&server)
        .await;

    let started = std::time::Instant::now();
    let err = support::client(&server)
        .instances()
        .wait_for_completion("inst_a", Duration::from_millis(500))
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            Error::WaitTimeout {
                status: InstanceStatus::Running,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

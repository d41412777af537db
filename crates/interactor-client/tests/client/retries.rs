//! Which failures are retried, how long the client waits, and what it sends again.

use std::time::{Duration, Instant};

use interactor_client::model::ErrorCode;
use interactor_client::{Error, RetryConfig};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, envelope, error_body, instance, received};

/// Answers the first `GET` of the instance with `first` and every later one with the
/// instance itself.
async fn first_get_then_instance(server: &MockServer, first: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "running"))),
        )
        .mount(server)
        .await;
}

const INSTANCE_PATH: &str = "/api/v1/workflows/instances/inst_a";

#[tokio::test]
async fn a_read_is_retried_after_503_and_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "running"))),
        )
        .mount(&server)
        .await;

    let fetched = support::client(&server)
        .instances()
        .get("inst_a")
        .await
        .unwrap();

    assert_eq!(fetched.id, "inst_a");
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn a_post_without_a_key_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/instances/inst_a/cancel"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .cancel("inst_a")
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable(), "the caller may retry it");
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn the_same_key_and_body_are_sent_on_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/approval/instances"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/approval/instances"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(envelope(instance("inst_a", "halted"))),
        )
        .mount(&server)
        .await;

    support::client(&server)
        .instances()
        .create("approval", json!({ "amount": 5000 }))
        .await
        .unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    let first_key = support::header(&requests[0], "idempotency-key").expect("key");
    for request in &requests {
        assert_eq!(support::header(request, "idempotency-key"), Some(first_key));
        assert_eq!(request.body, requests[0].body);
    }
}

#[tokio::test]
async fn a_rate_limited_request_waits_the_advertised_time() {
    let server = MockServer::start().await;
    first_get_then_instance(
        &server,
        ResponseTemplate::new(429)
            .insert_header("retry-after", "1")
            .set_body_json(error_body("rate_limited", "slow down")),
    )
    .await;

    let started = Instant::now();
    support::client(&server)
        .instances()
        .get("inst_a")
        .await
        .unwrap();

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn a_rate_limit_longer_than_the_deadline_is_returned_with_its_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "30")
                .insert_header("x-request-id", "req_429")
                .set_body_json(json!({ "error": { "code": "rate_limited", "message": "slow" } })),
        )
        .mount(&server)
        .await;

    let started = Instant::now();
    let err = support::client(&server)
        .instances()
        .get("inst_a")
        .deadline(Duration::from_secs(2))
        .await
        .unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(2));
    let Error::RateLimited {
        retry_after,
        request_id,
        ..
    } = &err
    else {
        panic!("expected RateLimited, got {err:?}");
    };
    assert_eq!(*retry_after, Duration::from_secs(30));
    assert_eq!(request_id.as_deref(), Some("req_429"));
    assert_eq!(err.code(), Some(&ErrorCode::RateLimited));
}

#[tokio::test]
async fn a_namespace_quota_is_not_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/approval/instances"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(error_body("namespace_quota_exceeded", "too many")),
        )
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .create("approval", json!({}))
        .await
        .unwrap_err();

    assert_eq!(err.code(), Some(&ErrorCode::NamespaceQuotaExceeded));
    assert!(!err.is_retryable());
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn a_script_error_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/instances/inst_a/resume"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({ "error": {
            "code": "script_error", "message": "ReferenceError: x is not defined",
            "details": { "instance_id": "inst_a", "state": "calc" }, "request_id": "req_5"
        } })))
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .resume("inst_a", json!({ "go": true }))
        .await
        .unwrap_err();

    assert_eq!(err.code(), Some(&ErrorCode::ScriptError));
    assert!(err.code().is_some_and(ErrorCode::is_engine_failure));
    assert!(!err.is_retryable());
    assert_eq!(
        err.details().and_then(|d| d.get("state")),
        Some(&json!("calc"))
    );
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(error_body("instance_not_found", "no")),
        )
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .get("inst_a")
        .await
        .unwrap_err();

    assert_eq!(err.code(), Some(&ErrorCode::InstanceNotFound));
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn retries_stop_when_the_budget_is_spent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(ResponseTemplate::new(504))
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .get("inst_a")
        .retry(
            RetryConfig::default()
                .max_retries(2)
                .backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .await
        .unwrap_err();

    assert_eq!(err.attempts(), Some(3));
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn no_retry_sends_a_request_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;

    support::client(&server)
        .instances()
        .get("inst_a")
        .no_retry()
        .await
        .unwrap_err();

    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn slow_answers_are_cut_off_by_the_attempt_timeout_and_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(envelope(instance("inst_a", "running")))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = support::builder(&server)
        .timeout(Duration::from_millis(300))
        .deadline(Duration::from_secs(1))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client.instances().get("inst_a").await.unwrap_err();

    let elapsed = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    assert!(
        received(&server).await.len() >= 2,
        "timed-out reads are retried"
    );
}

#[tokio::test]
async fn connection_failures_are_retried_and_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = interactor_client::Client::builder()
        .base_url(format!("http://{address}/api/v1"))
        .retry(support::fast_retries())
        .build()
        .unwrap();

    let err = client.workflows().list().await.unwrap_err();

    assert!(
        matches!(err, Error::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_rate_limited_post_without_a_key_returns_the_wait_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/instances/inst_a/cancel"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "7")
                .set_body_json(error_body("rate_limited", "slow down")),
        )
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .cancel("inst_a")
        .await
        .unwrap_err();

    assert!(
        matches!(err, Error::RateLimited { retry_after, attempts: 1, .. }
            if retry_after == Duration::from_secs(7)),
        "{err:?}"
    );
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn a_post_without_a_key_is_not_retried_after_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/instances/inst_a/cancel"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .cancel("inst_a")
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Timeout { attempts: 1, .. }), "{err:?}");
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn a_service_unavailable_answer_with_retry_after_is_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "running"))),
        )
        .mount(&server)
        .await;

    let started = Instant::now();
    support::client(&server)
        .instances()
        .get("inst_a")
        .await
        .unwrap();

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn errors_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Error>();
}

#[tokio::test]
async fn a_rate_limit_reset_time_is_waited_for_without_retry_after() {
    let server = MockServer::start().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    first_get_then_instance(
        &server,
        ResponseTemplate::new(429)
            .insert_header("x-ratelimit-reset", (now + 2).to_string().as_str())
            .set_body_json(error_body("rate_limited", "slow down")),
    )
    .await;

    let started = Instant::now();
    support::client(&server)
        .instances()
        .get("inst_a")
        .await
        .unwrap();

    // The reset is in whole seconds, 2 s ahead of a clock read somewhat earlier.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn an_absurd_retry_after_is_reported_without_overflow() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(429).insert_header("retry-after", u64::MAX.to_string().as_str()),
        )
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .get("inst_a")
        .deadline(Duration::MAX)
        .await
        .unwrap_err();

    assert!(
        matches!(err, Error::RateLimited { retry_after, .. } if retry_after.as_secs() == u64::MAX),
        "{err:?}"
    );
}
